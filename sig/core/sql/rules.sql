-- Rights, row versions and audit shared by every theme table.
-- Roles (sig_owner, sig_app, sig_reader, sig_editor, editor_<DICO>) exist before migrations:
-- `sig bootstrap-db` creates them.

CREATE SCHEMA IF NOT EXISTS acl;
CREATE SCHEMA IF NOT EXISTS audit;
REVOKE ALL ON SCHEMA acl, audit FROM PUBLIC;
GRANT USAGE ON SCHEMA acl TO sig_app, sig_reader, sig_editor;
GRANT USAGE ON SCHEMA audit TO sig_app, sig_editor;

-- Who acts: the app states its user per transaction; other logins are themselves.
-- The app user is only trusted when the session user is sig_app.
CREATE OR REPLACE FUNCTION acl.actor() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN session_user = 'sig_app'
    THEN 'app:' || coalesce(nullif(current_setting('sig.app_user', true), ''), 'anónimo')
    ELSE session_user::text END
$$;

-- Municipalities the current user may edit. Not SECURITY DEFINER: it must see current_user.
-- sig_app: the transaction-local setting sig.municipios (comma list of DICO codes).
-- Other logins: membership of the editor_<DICO> group roles (acl.login_municipios).
-- No subquery at the top level, so that PostgreSQL inlines it into the guard triggers'
-- WHEN conditions, which it evaluates for every row.
CREATE OR REPLACE FUNCTION acl.login_municipios() RETURNS char(4)[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT array_agg(substr(r.rolname, 8)::char(4) ORDER BY r.rolname)
                   FROM pg_roles r
                   WHERE r.rolname ~ '^editor_[0-9]{4}$'
                     AND pg_has_role(current_user, r.oid, 'MEMBER')), '{}'::char(4)[])
$$;

CREATE OR REPLACE FUNCTION acl.editable_municipios() RETURNS char(4)[]
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN session_user = 'sig_app' THEN
      coalesce(string_to_array(nullif(current_setting('sig.municipios', true), ''), ',')::char(4)[],
               '{}'::char(4)[])
    ELSE acl.login_municipios() END
$$;

-- Roles that skip row-level security (the owner, superusers): the rules do not apply to them.
CREATE OR REPLACE FUNCTION acl.is_unrestricted() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user
$$;

-- t05_guard_*: a clear error instead of RLS silently changing zero rows (or failing with its
-- generic message). The triggers' WHEN conditions pass only rows outside the municipalities
-- the user may edit to this function (and every row of roles without editor rights, such as
-- the owner, which it lets through).
CREATE OR REPLACE FUNCTION acl.guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  allowed char(4)[];
BEGIN
  IF acl.is_unrestricted() THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  allowed := acl.editable_municipios();
  IF TG_OP IN ('UPDATE', 'DELETE') AND NOT (OLD.municipio = ANY (allowed)) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('o elemento %s de %s pertence ao município %s, que não pode editar',
                       OLD.id, TG_TABLE_NAME, OLD.municipio),
      HINT = format('municípios que pode editar: %s', coalesce(array_to_string(allowed, ', '), ''));
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NOT (NEW.municipio = ANY (allowed)) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = format('não pode gravar elementos do município %s em %s',
                       NEW.municipio, TG_TABLE_NAME),
      HINT = format('municípios que pode editar: %s', coalesce(array_to_string(allowed, ', '), ''));
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- A geometry must be present, non-empty, valid, and inside its municipality (with tolerance);
-- the first problem is raised as SG001–SG004.
CREATE OR REPLACE FUNCTION acl.assert_geometry(g geometry, dico text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
  detail valid_detail;
  boundary geometry;
  tolerance double precision;
BEGIN
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RAISE EXCEPTION USING ERRCODE = 'SG001', MESSAGE = 'a geometria está em falta ou vazia';
  END IF;
  IF NOT ST_IsValid(g) THEN
    detail := ST_IsValidDetail(g);
    RAISE EXCEPTION USING ERRCODE = 'SG002',
      MESSAGE = format('geometria inválida: %s', detail.reason),
      DETAIL = format('local: %s', ST_AsText(detail.location));
  END IF;
  SELECT m.geom_limite, m.tolerancia_m INTO boundary, tolerance
    FROM public.municipio m WHERE m.dico = assert_geometry.dico;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'SG003', MESSAGE = format('município desconhecido: %s', dico);
  END IF;
  IF NOT ST_Covers(boundary, g) THEN
    RAISE EXCEPTION USING ERRCODE = 'SG004',
      MESSAGE = format('a geometria fica fora do município %s (tolerância de %s m)',
                       dico, tolerance);
  END IF;
END
$$;

-- t10_geom_update (a changed geometry or municipality) and t10_geom_missing (an insert
-- without geometry, reported before the NOT NULL constraint): row by row.
CREATE OR REPLACE FUNCTION acl.check_geometry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.geom IS NOT DISTINCT FROM OLD.geom
     AND NEW.municipio IS NOT DISTINCT FROM OLD.municipio AND NOT ST_IsEmpty(NEW.geom) THEN
    RETURN NEW;
  END IF;
  PERFORM acl.assert_geometry(NEW.geom, NEW.municipio);
  RETURN NEW;
END
$$;

-- t10_geom_insert: the inserted rows checked together, in one join with the boundaries; the
-- first one with a problem is reported as the row trigger would report it.
CREATE OR REPLACE FUNCTION acl.check_inserted_geometries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.geom, n.municipio INTO bad
    FROM new_rows n LEFT JOIN public.municipio m ON m.dico = n.municipio
   WHERE n.geom IS NULL OR ST_IsEmpty(n.geom) OR NOT ST_IsValid(n.geom) OR m.dico IS NULL
      OR NOT ST_Covers(m.geom_limite, n.geom)
   LIMIT 1;
  IF FOUND THEN
    PERFORM acl.assert_geometry(bad.geom, bad.municipio);
  END IF;
  RETURN NULL;
END
$$;

-- t20_version: bookkeeping on insert; on update reject a stale row_version, then bump it.
-- A client that does not send row_version (QGIS) keeps OLD's value and passes.
CREATE OR REPLACE FUNCTION acl.stamp_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.row_version := 1;
  NEW.created_at := now();
  NEW.created_by := acl.actor();
  NEW.updated_at := NEW.created_at;
  NEW.updated_by := NEW.created_by;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION acl.stamp_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.row_version IS DISTINCT FROM OLD.row_version THEN
    RAISE EXCEPTION USING ERRCODE = 'SG412',
      MESSAGE = format('o elemento %s de %s foi alterado por outra pessoa (versão %s, não %s)',
                       OLD.id, TG_TABLE_NAME, OLD.row_version, NEW.row_version);
  END IF;
  NEW.row_version := OLD.row_version + 1;
  NEW.created_at := OLD.created_at;
  NEW.created_by := OLD.created_by;
  NEW.updated_at := now();
  NEW.updated_by := acl.actor();
  RETURN NEW;
END
$$;

-- The append-only audit log.
CREATE TABLE IF NOT EXISTS audit.change_log (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  row_id bigint NOT NULL,
  municipio char(4),
  op char(1) NOT NULL CHECK (op IN ('I', 'U', 'D')),
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  txid bigint NOT NULL DEFAULT txid_current(),
  db_user text NOT NULL,
  db_role text NOT NULL,
  app_user text,
  application_name text,
  client_addr inet,
  row_version integer,
  old_values jsonb,
  new_values jsonb,
  old_geom geometry(Geometry, 3763),
  new_geom geometry(Geometry, 3763)
);
CREATE INDEX IF NOT EXISTS change_log_row_idx ON audit.change_log (table_name, row_id, id);
CREATE INDEX IF NOT EXISTS change_log_municipio_idx ON audit.change_log (municipio, at);
REVOKE ALL ON audit.change_log FROM PUBLIC;
GRANT SELECT ON audit.change_log TO sig_app;

-- Values that differ between two row images (bookkeeping columns left out).
CREATE OR REPLACE FUNCTION audit.changed(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
  FROM jsonb_each(a)
  WHERE key NOT IN ('updated_at', 'updated_by', 'row_version')
    AND b -> key IS DISTINCT FROM value
$$;

-- t90_audit_update: one entry per changed row, with the values that changed (the geometry has
-- columns of its own: it is cleared first, as to_jsonb would convert it to GeoJSON for nothing).
-- The only ways into the log are these functions (SECURITY DEFINER, owned by sig_owner).
CREATE OR REPLACE FUNCTION audit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  old_r record := OLD;
  new_r record := NEW;
  moved boolean := OLD.geom IS DISTINCT FROM NEW.geom;
  old_j jsonb;
  new_j jsonb;
BEGIN
  old_r.geom := NULL;
  new_r.geom := NULL;
  old_j := to_jsonb(old_r) - 'geom';
  new_j := to_jsonb(new_r) - 'geom';
  INSERT INTO audit.change_log (table_name, row_id, municipio, op, db_user, db_role, app_user,
                                application_name, client_addr, row_version,
                                old_values, new_values, old_geom, new_geom)
  VALUES (TG_TABLE_NAME, NEW.id, NEW.municipio, 'U', session_user, current_setting('role'),
          CASE WHEN session_user = 'sig_app'
               THEN nullif(current_setting('sig.app_user', true), '') END,
          current_setting('application_name', true), inet_client_addr(), NEW.row_version,
          audit.changed(old_j, new_j), audit.changed(new_j, old_j),
          CASE WHEN moved THEN OLD.geom END, CASE WHEN moved THEN NEW.geom END);
  RETURN NULL;
END
$$;

-- t90_audit_insert and t90_audit_delete: the same entries as log_change, one per row, written
-- by one statement from the transition table, so that a large import is logged set-based.
CREATE OR REPLACE FUNCTION audit.log_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  columns text;
  inserted boolean := TG_OP = 'INSERT';
BEGIN
  SELECT string_agg(format('r.%I', attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute
   WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped AND attname <> 'geom';
  EXECUTE format(
    'INSERT INTO audit.change_log (table_name, row_id, municipio, op, db_user, db_role, '
    '  app_user, application_name, client_addr, row_version, old_values, new_values, '
    '  old_geom, new_geom) '
    'SELECT %L, r.id, r.municipio, %L, session_user, current_setting(''role''), '
    '  CASE WHEN session_user = ''sig_app'' '
    '       THEN nullif(current_setting(''sig.app_user'', true), '''') END, '
    '  current_setting(''application_name'', true), inet_client_addr(), r.row_version, %s '
    'FROM %I r CROSS JOIN LATERAL (SELECT %s) v',
    TG_TABLE_NAME, left(TG_OP, 1),
    -- old_values, new_values, old_geom, new_geom: the row's image on its side
    CASE WHEN inserted THEN 'NULL, to_jsonb(v), NULL, r.geom'
                       ELSE 'to_jsonb(v), NULL, r.geom, NULL' END,
    CASE WHEN inserted THEN 'new_rows' ELSE 'old_rows' END, columns);
  RETURN NULL;
END
$$;

-- Nobody edits history, not even the owner through a statement.
CREATE OR REPLACE FUNCTION audit.forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'o registo de alterações só aceita novas entradas';
END
$$;
DROP TRIGGER IF EXISTS t00_append_only ON audit.change_log;
CREATE TRIGGER t00_append_only BEFORE UPDATE OR DELETE ON audit.change_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit.forbid_change();
DROP TRIGGER IF EXISTS t00_no_truncate ON audit.change_log;
CREATE TRIGGER t00_no_truncate BEFORE TRUNCATE ON audit.change_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit.forbid_change();
