-- Collection state for OGC API conditional requests and exact counts.
-- One row per (table, municipality): features, a version bumped by every statement that changes
-- rows, and the time of the last change. Statement-level triggers keep it current for every write
-- path (web, API, QGIS logins, imports, psql). A bulk load that switches the triggers off
-- (ALTER TABLE ... DISABLE TRIGGER) is caught by `ogcapi.state()`: switching triggers rewrites
-- their pg_trigger rows, and a new xmin there makes it count the table again.

CREATE SCHEMA IF NOT EXISTS ogcapi;
REVOKE ALL ON SCHEMA ogcapi FROM PUBLIC;
GRANT USAGE ON SCHEMA ogcapi TO sig_app, sig_reader, sig_editor;

CREATE TABLE IF NOT EXISTS ogcapi.collection_state (
  table_name text NOT NULL,
  municipio text NOT NULL DEFAULT '',
  features bigint NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 0,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, municipio)
);

-- Tracked tables: which column holds the municipality code, and the pg_trigger xmin last counted.
CREATE TABLE IF NOT EXISTS ogcapi.collection_sync (
  table_name text PRIMARY KEY,
  key_column text NOT NULL,
  trigger_xmin xid
);

REVOKE ALL ON ogcapi.collection_state, ogcapi.collection_sync FROM PUBLIC;
GRANT SELECT ON ogcapi.collection_state TO sig_app, sig_reader, sig_editor;

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

-- Statement trigger: add the statement's changes to the state rows of the municipalities touched.
CREATE OR REPLACE FUNCTION ogcapi.track_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE ogcapi.collection_state
       SET features = 0, version = version + 1, changed_at = clock_timestamp()
     WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
  END IF;
  EXECUTE format(
    'INSERT INTO ogcapi.collection_state AS s (table_name, municipio, features, version, changed_at) '
    'SELECT %L, coalesce(m, ''''), sum(d), 1, clock_timestamp() FROM (%s) c GROUP BY 2 '
    'ON CONFLICT (table_name, municipio) DO UPDATE SET features = s.features + excluded.features, '
    'version = s.version + 1, changed_at = excluded.changed_at',
    TG_TABLE_NAME, ogcapi.delta_sql(TG_OP, TG_ARGV[0]));
  RETURN NULL;
END
$$;

-- Count a table again (after a load with its triggers off); bumps every version of the table.
CREATE OR REPLACE FUNCTION ogcapi.recount(t text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  key text;
  seen xid;
  current xid;
BEGIN
  SELECT key_column, trigger_xmin INTO key, seen FROM ogcapi.collection_sync
   WHERE table_name = t FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'a tabela % não está registada em ogcapi.collection_sync', t;
  END IF;
  SELECT tr.xmin INTO current FROM pg_trigger tr
   WHERE tr.tgrelid = format('public.%I', t)::regclass AND tr.tgname = 'ogcapi_track_insert';
  IF seen IS NOT DISTINCT FROM current THEN
    RETURN;  -- another session counted it while this one waited for the lock
  END IF;
  EXECUTE format(
    'INSERT INTO ogcapi.collection_state AS s (table_name, municipio, features, version, changed_at) '
    'SELECT %L, coalesce(%I::text, ''''), count(*), 1, clock_timestamp() FROM public.%I GROUP BY 2 '
    'ON CONFLICT (table_name, municipio) DO UPDATE SET features = excluded.features, '
    'version = s.version + 1, changed_at = excluded.changed_at', t, key, t);
  EXECUTE format(
    'UPDATE ogcapi.collection_state s SET features = 0, version = version + 1, '
    'changed_at = clock_timestamp() WHERE s.table_name = %L AND NOT EXISTS '
    '(SELECT 1 FROM public.%I x WHERE coalesce(x.%I::text, '''') = s.municipio)', t, t, key);
  UPDATE ogcapi.collection_sync SET trigger_xmin = current WHERE table_name = t;
END
$$;

-- The state of one table: version (sum of its rows' versions), features and last change.
CREATE OR REPLACE FUNCTION ogcapi.state(t text)
RETURNS TABLE (version bigint, features bigint, changed_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  IF NOT EXISTS (
      SELECT 1 FROM ogcapi.collection_sync c JOIN pg_trigger tr
        ON tr.tgrelid = format('public.%I', c.table_name)::regclass
       AND tr.tgname = 'ogcapi_track_insert'
     WHERE c.table_name = t AND c.trigger_xmin IS NOT DISTINCT FROM tr.xmin) THEN
    PERFORM ogcapi.recount(t);
  END IF;
  RETURN QUERY
    SELECT coalesce(sum(s.version), 0)::bigint, coalesce(sum(s.features), 0)::bigint,
           coalesce(max(s.changed_at), 'epoch'::timestamptz)
      FROM ogcapi.collection_state s WHERE s.table_name = t;
END
$$;

REVOKE ALL ON FUNCTION ogcapi.track_change(), ogcapi.recount(text), ogcapi.state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ogcapi.state(text) TO sig_app, sig_reader, sig_editor;
