-- Rights, row versions and audit shared by every theme table.
-- Roles (sig_owner, sig_app, sig_importer, sig_reader, sig_editor, editor_<DICO>, sig_audit)
-- exist before migrations: `sig bootstrap-db` creates them.
--
-- Every relation and every type a session could shadow with a temporary object is
-- schema-qualified (functions and operators are never looked up in pg_temp); SECURITY DEFINER
-- functions pin `search_path = pg_catalog, public, pg_temp` (pg_temp last: a session's
-- temporary objects never stand in for the catalogue or the project's tables). No login a
-- person or a request uses may create anything (TEMPORARY and CREATE revoked below and in
-- bootstrap), and `tests/security` checks all of it as the real roles.

DO $roles$
BEGIN
  IF (SELECT pg_catalog.count(*) FROM pg_catalog.pg_roles
       WHERE rolname IN ('sig_audit', 'sig_importer', 'sig_rules')) < 3 THEN
    RAISE EXCEPTION USING ERRCODE = '42704',
      MESSAGE = 'faltam os papéis sig_audit, sig_importer e sig_rules: corra primeiro sig bootstrap-db';
  END IF;
END
$roles$;

-- Nobody but the owner creates objects in this database; temporary tables only for the
-- importer's staging (a role no person or request connects as).
DO $database$
BEGIN
  EXECUTE pg_catalog.format(
    'REVOKE CREATE, TEMPORARY ON DATABASE %1$I FROM PUBLIC, sig_app, sig_reader, sig_editor; '
    'GRANT CONNECT ON DATABASE %1$I TO sig_app, sig_importer, sig_reader, sig_editor; '
    'GRANT TEMPORARY ON DATABASE %1$I TO sig_importer',
    pg_catalog.current_database());
END
$database$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sig_importer, sig_audit, sig_rules;

CREATE SCHEMA IF NOT EXISTS acl;
CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION sig_audit;
REVOKE ALL ON SCHEMA acl FROM PUBLIC;
GRANT USAGE ON SCHEMA acl TO sig_app, sig_importer, sig_reader, sig_editor, sig_audit;
GRANT USAGE, CREATE ON SCHEMA acl TO sig_rules;

-- SECURITY DEFINER functions outside the audit log belong to sig_rules: a NOLOGIN role that
-- no service connects as, with just the rights those functions use. Migrations hand existing
-- ones over, then (re)create them under SET ROLE sig_rules.
CREATE OR REPLACE FUNCTION acl.hand_definers_to_rules(schema_name pg_catalog.text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = schema_name::regnamespace AND p.prosecdef
              AND p.proowner <> 'sig_rules'::regrole LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO sig_rules', f);
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION acl.hand_definers_to_rules(pg_catalog.text) FROM PUBLIC;
SELECT acl.hand_definers_to_rules('acl');

-- Roles whose session states the acting user per transaction (sig.app_user, sig.municipios).
CREATE OR REPLACE FUNCTION acl.states_actor() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT session_user::pg_catalog.text = ANY ('{sig_app,sig_importer}'::pg_catalog.text[])
$$;

-- Who acts: the app and the importer state their user per transaction; other logins are
-- themselves.
CREATE OR REPLACE FUNCTION acl.actor() RETURNS pg_catalog.text
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN acl.states_actor()
    THEN 'app:' || coalesce(nullif(pg_catalog.current_setting('sig.app_user', true), ''), 'anónimo')
    ELSE session_user::pg_catalog.text END
$$;

-- Municipalities of the editor_<DICO> group roles `who` belongs to. PL/pgSQL, not SQL: a SQL
-- function with a subquery is never inlined and is planned anew at every call, which a
-- client writing row by row pays twice per row (row-level security, guard).
CREATE OR REPLACE FUNCTION acl.member_municipios(who name) RETURNS char(4)[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN coalesce((SELECT pg_catalog.array_agg(pg_catalog.substr(r.rolname, 8)::char(4) ORDER BY r.rolname)
                     FROM pg_catalog.pg_roles r
                    WHERE r.rolname ~ '^editor_[0-9]{4}$'
                      AND pg_catalog.pg_has_role(who, r.oid, 'MEMBER')), '{}'::char(4)[]);
END
$$;

-- Municipalities the current user may edit. Not SECURITY DEFINER: it must see current_user.
-- sig_app and sig_importer: the transaction-local setting sig.municipios (comma list of DICO
-- codes). Other logins: membership of the editor_<DICO> group roles.
-- No subquery at the top level, so that PostgreSQL inlines them into the guard triggers'
-- WHEN conditions, which it evaluates for every row.
CREATE OR REPLACE FUNCTION acl.login_municipios() RETURNS char(4)[]
LANGUAGE sql STABLE AS $$
  SELECT acl.member_municipios(current_user)
$$;

CREATE OR REPLACE FUNCTION acl.editable_municipios() RETURNS char(4)[]
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN acl.states_actor() THEN
      coalesce(pg_catalog.string_to_array(nullif(pg_catalog.current_setting('sig.municipios', true), ''), ',')::char(4)[],
               '{}'::char(4)[])
    ELSE acl.login_municipios() END
$$;

-- Roles that skip row-level security (the owner, superusers): the rules do not apply to them.
CREATE OR REPLACE FUNCTION acl.is_unrestricted() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
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
CREATE OR REPLACE FUNCTION acl.assert_geometry(g public.geometry, dico pg_catalog.text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
  detail public.valid_detail;
  boundary public.geometry;
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

-- A freguesia that does not exist (what a foreign key would refuse, checked here so that the
-- inserts of an import are checked set-based, not row by row at commit; the boundaries'
-- side is acl.protect_references, on municipio and freguesia).
CREATE OR REPLACE FUNCTION acl.assert_freguesia(code pg_catalog.text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.freguesia f WHERE f.dicofre = code) THEN
    RAISE EXCEPTION USING ERRCODE = '23503',
      MESSAGE = pg_catalog.format('freguesia desconhecida: %s', code);
  END IF;
END
$$;

-- t10_geom_update (a changed geometry, municipality or freguesia) and t10_geom_missing (an
-- insert without geometry, reported before the NOT NULL constraint): row by row.
CREATE OR REPLACE FUNCTION acl.check_geometry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.freguesia IS DISTINCT FROM OLD.freguesia THEN
    PERFORM acl.assert_freguesia(NEW.freguesia);
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.geom IS NOT DISTINCT FROM OLD.geom
     AND NEW.municipio IS NOT DISTINCT FROM OLD.municipio AND NOT ST_IsEmpty(NEW.geom) THEN
    RETURN NEW;
  END IF;
  PERFORM acl.assert_geometry(NEW.geom, NEW.municipio);
  RETURN NEW;
END
$$;

-- t10_geom_insert: the inserted rows checked together, in one join with the boundaries; the
-- first one with a problem is reported as the row trigger would report it. A municipality
-- or freguesia that does not exist is refused here too (no foreign keys: see
-- acl.assert_freguesia).
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
  SELECT n.freguesia INTO bad FROM new_rows n
   WHERE n.freguesia IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM public.freguesia f WHERE f.dicofre = n.freguesia)
   LIMIT 1;
  IF FOUND THEN
    PERFORM acl.assert_freguesia(bad.freguesia);
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

-- The one way to choose a feature's id: bring a deleted feature back as its last audit entry
-- recorded it. Ids are GENERATED ALWAYS and no service role may write the id column; this
-- function (owned by sig_owner) inserts with OVERRIDING SYSTEM VALUE after checking that the
-- caller may edit the feature's municipality. The insert meets every trigger as usual.
SET ROLE sig_rules;
CREATE OR REPLACE FUNCTION acl.restore_feature(theme pg_catalog.text, feature bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  qualified pg_catalog.text := pg_catalog.format('public.%I', theme);
  target regclass := pg_catalog.to_regclass(qualified);
  last record;
  allowed char(4)[];
  columns pg_catalog.text;
  present boolean;
BEGIN
  IF target IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
      WHERE t.tgrelid = target AND t.tgname = 't90_audit_insert') THEN
    RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = pg_catalog.format('tema desconhecido: %s', theme);
  END IF;
  EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)', qualified)
    INTO present USING feature;
  IF present THEN
    RAISE EXCEPTION USING ERRCODE = 'SG409',
      MESSAGE = pg_catalog.format('o elemento %s de %s existe', feature, theme);
  END IF;
  SELECT c.op, c.municipio, c.old_values, c.old_geom INTO last FROM audit.change_log c
   WHERE c.table_name = theme AND c.row_id = feature ORDER BY c.id DESC LIMIT 1;
  IF NOT FOUND OR last.op <> 'D' THEN
    RAISE EXCEPTION USING ERRCODE = 'SG404',
      MESSAGE = pg_catalog.format('o elemento %s de %s não foi eliminado', feature, theme);
  END IF;
  allowed := CASE WHEN acl.states_actor() THEN acl.editable_municipios()
                  ELSE acl.member_municipios(session_user) END;
  IF NOT (last.municipio = ANY (allowed)) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = pg_catalog.format('não pode repor elementos do município %s em %s',
                                  last.municipio, theme);
  END IF;
  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
    INTO columns FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
     AND a.attname NOT IN ('id', 'geom');
  EXECUTE pg_catalog.format(
    'INSERT INTO %1$s (id, geom, %2$s) OVERRIDING SYSTEM VALUE '
    'SELECT $1, $2, %2$s FROM pg_catalog.jsonb_populate_record(NULL::%1$s, $3)',
    qualified, columns) USING feature, last.old_geom, last.old_values;
END
$$;
REVOKE ALL ON FUNCTION acl.restore_feature(pg_catalog.text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION acl.restore_feature(pg_catalog.text, bigint) TO sig_app;
RESET ROLE;

-- The append-only audit log, owned by sig_audit: a NOLOGIN role no service connects as, so
-- that no service role owns the log (an owner could switch its triggers off). Migrations
-- reach it with an explicit SET ROLE.
-- include: audit_owner.sql

SET ROLE sig_audit;

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
  old_geom public.geometry(Geometry, 3763),
  new_geom public.geometry(Geometry, 3763)
);
CREATE INDEX IF NOT EXISTS change_log_row_idx ON audit.change_log (table_name, row_id, id);
CREATE INDEX IF NOT EXISTS change_log_municipio_idx ON audit.change_log (municipio, at);
REVOKE ALL ON audit.change_log FROM PUBLIC;
GRANT SELECT ON audit.change_log TO sig_app, sig_owner, sig_rules;
GRANT SELECT ON SEQUENCE audit.change_log_id_seq TO sig_owner;  -- for backups

-- The values that differ between two images of a row (bookkeeping columns left out): before
-- and after, in one pass. PL/pgSQL, whose plan is kept for the session: a SQL function with a
-- FROM clause is not inlined and would be planned anew for every updated row.
DROP FUNCTION IF EXISTS audit.changed(jsonb, jsonb);
CREATE OR REPLACE FUNCTION audit.diff(a jsonb, b jsonb, OUT old_values jsonb,
                                      OUT new_values jsonb)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  SELECT coalesce(pg_catalog.jsonb_object_agg(e.key, e.value), '{}'::jsonb),
         coalesce(pg_catalog.jsonb_object_agg(e.key, b -> e.key), '{}'::jsonb)
    INTO old_values, new_values
    FROM pg_catalog.jsonb_each(a) e
   WHERE e.key NOT IN ('updated_at', 'updated_by', 'row_version')
     AND b -> e.key IS DISTINCT FROM e.value;
END
$$;

-- The entries of t90_audit_update for a statement of many rows (an import, a bulk edit): the
-- same entries as the static statement below, but each image built from its changed columns
-- alone (one comparison and, when it differs, one single-key object per column) instead of
-- two whole-row images and a jsonb_each per row: five times faster over 100 000 rows, but
-- planned at each call. Strings, numbers, booleans and dates compare as their type (equal
-- exactly when their jsonb is), other types as jsonb, as audit.diff does. Built from the
-- table's columns; the geometry has columns of its own, as below.
CREATE OR REPLACE FUNCTION audit.bulk_update_sql(target regclass, name text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_catalog.format(
    'INSERT INTO audit.change_log (table_name, row_id, municipio, op, db_user, db_role, '
    '  app_user, application_name, client_addr, row_version, old_values, new_values, '
    '  old_geom, new_geom) '
    'SELECT %L, n.id, n.municipio, ''U'', session_user, current_setting(''role''), '
    '  CASE WHEN acl.states_actor() '
    '       THEN nullif(current_setting(''sig.app_user'', true), '''') END, '
    '  current_setting(''application_name'', true), inet_client_addr(), n.row_version, '
    '  %s, %s, '
    '  CASE WHEN o.geom IS DISTINCT FROM n.geom THEN o.geom END, '
    '  CASE WHEN o.geom IS DISTINCT FROM n.geom THEN n.geom END '
    'FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o IS DISTINCT FROM n',
    name,
    coalesce(pg_catalog.string_agg(pg_catalog.format(c.pick, c.differ, c.attname, 'o', c.attname),
                                   ' || ' ORDER BY c.attnum), '''{}''::jsonb'),
    coalesce(pg_catalog.string_agg(pg_catalog.format(c.pick, c.differ, c.attname, 'n', c.attname),
                                   ' || ' ORDER BY c.attnum), '''{}''::jsonb'))
  FROM (SELECT a.attnum, a.attname,
               'CASE WHEN %s THEN jsonb_build_object(%L, %s.%I) ELSE ''{}''::jsonb END'
                 AS pick,
               pg_catalog.format(CASE WHEN t.typcategory IN ('S', 'N', 'B', 'D')
                                      THEN 'o.%1$I IS DISTINCT FROM n.%1$I'
                                      ELSE 'to_jsonb(o.%1$I) IS DISTINCT FROM to_jsonb(n.%1$I)'
                                 END, a.attname) AS differ
          FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attname NOT IN ('geom', 'updated_at', 'updated_by', 'row_version')) c
$$;
REVOKE ALL ON FUNCTION audit.bulk_update_sql(regclass, text) FROM PUBLIC;

-- t90_audit_update: one entry per changed row, with the values that changed, written by one
-- static statement from the transition tables (its plan kept per table: a row-by-row client
-- pays no planning per row), or from 100 rows on by audit.bulk_update_sql's. The geometry has
-- columns of its own: it is set to NULL in the row images first, as to_jsonb would convert it
-- to GeoJSON for nothing. A row an UPDATE left as it was gets no entry.
-- The only ways into the log are these functions (SECURITY DEFINER, owned by sig_audit).
CREATE OR REPLACE FUNCTION audit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF (SELECT count(*) FROM (SELECT FROM new_rows LIMIT 100) s) = 100 THEN
    EXECUTE audit.bulk_update_sql(TG_RELID, TG_TABLE_NAME);
    RETURN NULL;
  END IF;
  INSERT INTO audit.change_log (table_name, row_id, municipio, op, db_user, db_role, app_user,
                                application_name, client_addr, row_version,
                                old_values, new_values, old_geom, new_geom)
  SELECT TG_TABLE_NAME, n.id, n.municipio, 'U', session_user, current_setting('role'),
         CASE WHEN acl.states_actor()
              THEN nullif(current_setting('sig.app_user', true), '') END,
         current_setting('application_name', true), inet_client_addr(), n.row_version,
         d.old_values, d.new_values,
         CASE WHEN i.moved THEN o.geom END, CASE WHEN i.moved THEN n.geom END
    FROM old_rows o JOIN new_rows n ON n.id = o.id
         CROSS JOIN LATERAL (
           SELECT to_jsonb(jsonb_populate_record(o, '{"geom": null}')) - 'geom' AS old_j,
                  to_jsonb(jsonb_populate_record(n, '{"geom": null}')) - 'geom' AS new_j,
                  o.geom IS DISTINCT FROM n.geom AS moved) i
         CROSS JOIN LATERAL audit.diff(i.old_j, i.new_j) d
   WHERE o IS DISTINCT FROM n;
  RETURN NULL;
END
$$;

-- t90_audit_insert: one entry per created row, written by one static statement from the
-- transition table (its plan kept per table: a row-by-row client pays no planning per row).
-- A creation entry keeps no image of the row: the present row and the later entries (every
-- update keeps the values it replaced, a deletion the whole row) determine it, and
-- sig.editing.history derives it. t90_audit_delete and t90_audit_truncate (from the table
-- itself, before it is emptied) keep the deleted rows' images, as restore needs them.
CREATE OR REPLACE FUNCTION audit.log_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  columns text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO audit.change_log (table_name, row_id, municipio, op, db_user, db_role, app_user,
                                  application_name, client_addr, row_version)
    SELECT TG_TABLE_NAME, r.id, r.municipio, 'I', session_user, current_setting('role'),
           CASE WHEN acl.states_actor() THEN nullif(current_setting('sig.app_user', true), '') END,
           current_setting('application_name', true), inet_client_addr(), r.row_version
      FROM new_rows r;
    RETURN NULL;
  END IF;
  SELECT string_agg(format('r.%I', a.attname), ', ' ORDER BY a.attnum) INTO columns
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'geom';
  EXECUTE format(
    'INSERT INTO audit.change_log (table_name, row_id, municipio, op, db_user, db_role, '
    '  app_user, application_name, client_addr, row_version, old_values, old_geom) '
    'SELECT %L, r.id, r.municipio, ''D'', session_user, current_setting(''role''), '
    '  CASE WHEN acl.states_actor() '
    '       THEN nullif(current_setting(''sig.app_user'', true), '''') END, '
    '  current_setting(''application_name'', true), inet_client_addr(), r.row_version, '
    '  to_jsonb(v), r.geom '
    'FROM %s r CROSS JOIN LATERAL (SELECT %s) v',
    TG_TABLE_NAME,
    CASE TG_OP WHEN 'DELETE' THEN 'old_rows'
               ELSE format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) END,
    columns);
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
RESET ROLE;
