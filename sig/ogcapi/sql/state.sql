-- Collection state for OGC API conditional requests and exact counts (second version).
-- Writers append rows to ogcapi.collection_change (one per statement and municipality touched:
-- the change in the number of features), so concurrent writers never wait for each other;
-- readers sum them (view ogcapi.collection_state). `weight` counts the statements a row stands
-- for: the version of a table is the sum of its weights, which grows with every committed
-- statement whatever the commit order. `ogcapi.state()` folds the rows of a table together when
-- they pile up, and counts the table again after a bulk load that switched its triggers off
-- (switching triggers rewrites their pg_trigger rows: a new xmin there).

CREATE SCHEMA IF NOT EXISTS ogcapi;
REVOKE ALL ON SCHEMA ogcapi FROM PUBLIC;
GRANT USAGE ON SCHEMA ogcapi TO sig_app, sig_reader, sig_editor;
GRANT USAGE, CREATE ON SCHEMA ogcapi TO sig_rules;

CREATE TABLE IF NOT EXISTS ogcapi.collection_change (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  municipio text NOT NULL DEFAULT '',
  features bigint NOT NULL,
  weight bigint NOT NULL DEFAULT 1,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS collection_change_table_idx
  ON ogcapi.collection_change (table_name, municipio);

-- Carry over the first version's table, if this database had it.
DO $$
BEGIN
  IF to_regclass('ogcapi.collection_state') IS NOT NULL AND EXISTS (
      SELECT 1 FROM pg_catalog.pg_class WHERE oid = 'ogcapi.collection_state'::regclass
        AND relkind = 'r') THEN
    INSERT INTO ogcapi.collection_change (table_name, municipio, features, weight, changed_at)
      SELECT table_name, municipio, features, greatest(version, 1), changed_at
        FROM ogcapi.collection_state;
    DROP TABLE ogcapi.collection_state;
  END IF;
END
$$;

CREATE OR REPLACE VIEW ogcapi.collection_state AS
  SELECT table_name, municipio, sum(features)::bigint AS features,
         sum(weight)::bigint AS version, max(changed_at) AS changed_at
    FROM ogcapi.collection_change GROUP BY table_name, municipio;

CREATE TABLE IF NOT EXISTS ogcapi.collection_sync (
  table_name text PRIMARY KEY,
  key_column text NOT NULL,
  trigger_xmin xid
);

REVOKE ALL ON ogcapi.collection_change, ogcapi.collection_state, ogcapi.collection_sync
  FROM PUBLIC;
GRANT SELECT ON ogcapi.collection_change, ogcapi.collection_state
  TO sig_app, sig_reader, sig_editor;

-- The SECURITY DEFINER functions below belong to sig_rules (NOLOGIN): what they read and write.
GRANT SELECT, INSERT, UPDATE, DELETE ON ogcapi.collection_change, ogcapi.collection_sync
  TO sig_rules;
GRANT USAGE ON SEQUENCE ogcapi.collection_change_id_seq TO sig_rules;
GRANT SELECT ON ogcapi.collection_state, public.municipio, public.freguesia TO sig_rules;
SELECT acl.hand_definers_to_rules('ogcapi');

-- Rows changed by one statement, as (municipality, +1 / -1) pairs.
CREATE OR REPLACE FUNCTION ogcapi.delta_sql(op text, key_column text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE op
    WHEN 'INSERT' THEN format('SELECT %I::text AS m, 1 AS d FROM new_rows', key_column)
    WHEN 'DELETE' THEN format('SELECT %I::text AS m, -1 AS d FROM old_rows', key_column)
    ELSE format('SELECT %1$I::text AS m, 1 AS d FROM new_rows '
                'UNION ALL SELECT %1$I::text, -1 FROM old_rows', key_column)
  END
$$;

SET ROLE sig_rules;
-- Statement trigger: one change row per municipality the statement touched.
CREATE OR REPLACE FUNCTION ogcapi.track_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO ogcapi.collection_change (table_name, municipio, features)
      SELECT TG_TABLE_NAME, municipio, -sum(features) FROM ogcapi.collection_change
       WHERE table_name = TG_TABLE_NAME GROUP BY municipio;
    INSERT INTO ogcapi.collection_change (table_name, features) VALUES (TG_TABLE_NAME, 0);
    RETURN NULL;
  END IF;
  EXECUTE format(
    'INSERT INTO ogcapi.collection_change (table_name, municipio, features) '
    'SELECT %L, coalesce(m, ''''), sum(d) FROM (%s) c GROUP BY 2',
    TG_TABLE_NAME, ogcapi.delta_sql(TG_OP, TG_ARGV[0]));
  RETURN NULL;
END
$$;

-- Fold the rows of one table into one per municipality (weights and counts kept).
CREATE OR REPLACE FUNCTION ogcapi.compact(t text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ogcapi.collection_change'), hashtext(t));
  WITH gone AS (
    DELETE FROM ogcapi.collection_change WHERE table_name = t
    RETURNING municipio, features, weight, changed_at)
  INSERT INTO ogcapi.collection_change (table_name, municipio, features, weight, changed_at)
    SELECT t, municipio, sum(features), sum(weight), max(changed_at) FROM gone
     GROUP BY municipio;
END
$$;

-- Count a table again (after a load with its triggers off): correction rows per municipality.
CREATE OR REPLACE FUNCTION ogcapi.recount(t text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  key text;
  seen xid;
  current xid;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ogcapi.collection_change'), hashtext(t));
  SELECT key_column, trigger_xmin INTO key, seen FROM ogcapi.collection_sync
   WHERE table_name = t FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'a tabela % não está registada em ogcapi.collection_sync', t;
  END IF;
  SELECT tr.xmin INTO current FROM pg_catalog.pg_trigger tr
   WHERE tr.tgrelid = format('public.%I', t)::regclass AND tr.tgname = 'ogcapi_track_insert';
  IF seen IS NOT DISTINCT FROM current THEN
    RETURN;  -- another session counted it while this one waited
  END IF;
  EXECUTE format(
    'INSERT INTO ogcapi.collection_change (table_name, municipio, features) '
    'SELECT %1$L, m, coalesce(a.n, 0) - coalesce(s.n, 0) FROM '
    '(SELECT coalesce(%2$I::text, '''') AS m, count(*) AS n FROM public.%3$I GROUP BY 1) a '
    'FULL JOIN (SELECT municipio AS m, sum(features) AS n FROM ogcapi.collection_change '
    'WHERE table_name = %1$L GROUP BY 1) s USING (m) '
    'WHERE coalesce(a.n, 0) <> coalesce(s.n, 0)', t, key, t);
  INSERT INTO ogcapi.collection_change (table_name, features) VALUES (t, 0);
  UPDATE ogcapi.collection_sync SET trigger_xmin = current WHERE table_name = t;
END
$$;

-- The state of one table: version, features and last change.
CREATE OR REPLACE FUNCTION ogcapi.state(t text)
RETURNS TABLE (version bigint, features bigint, changed_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NOT EXISTS (
      SELECT 1 FROM ogcapi.collection_sync c JOIN pg_catalog.pg_trigger tr
        ON tr.tgrelid = format('public.%I', c.table_name)::regclass
       AND tr.tgname = 'ogcapi_track_insert'
     WHERE c.table_name = t AND c.trigger_xmin IS NOT DISTINCT FROM tr.xmin) THEN
    PERFORM ogcapi.recount(t);
  END IF;
  IF (SELECT count(*) FROM ogcapi.collection_change c WHERE c.table_name = t) > 500 THEN
    PERFORM ogcapi.compact(t);
  END IF;
  RETURN QUERY
    SELECT coalesce(sum(c.weight), 0)::bigint, coalesce(sum(c.features), 0)::bigint,
           coalesce(max(c.changed_at), 'epoch'::timestamptz)
      FROM ogcapi.collection_change c WHERE c.table_name = t;
END
$$;

REVOKE ALL ON FUNCTION ogcapi.track_change(), ogcapi.recount(text), ogcapi.compact(text),
  ogcapi.state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ogcapi.state(text) TO sig_app, sig_reader, sig_editor;
RESET ROLE;
