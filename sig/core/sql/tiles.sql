-- Map tiles that follow edits: every committed change to a theme table records the extents
-- it touched (old and new geometry) in maps.dirty_extent and notifies channel sig_tiles at
-- commit; the maps service clears the cached tiles over those extents and deletes the rows.
-- A rolled-back change records nothing and notifies nobody.

CREATE SCHEMA IF NOT EXISTS maps;
REVOKE ALL ON SCHEMA maps FROM PUBLIC;
GRANT USAGE ON SCHEMA maps TO sig_app;
GRANT USAGE, CREATE ON SCHEMA maps TO sig_rules;

-- One row per changed area. A NULL extent (TRUNCATE) means the whole layer.
CREATE TABLE IF NOT EXISTS maps.dirty_extent (
  id bigserial PRIMARY KEY,
  table_name text NOT NULL,
  municipio char(4),
  minx double precision,
  miny double precision,
  maxx double precision,
  maxy double precision,
  features integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  txid bigint NOT NULL DEFAULT txid_current()
);
REVOKE ALL ON maps.dirty_extent FROM PUBLIC;
-- UPDATE only for FOR UPDATE SKIP LOCKED: each process claims different rows.
GRANT SELECT, UPDATE, DELETE ON maps.dirty_extent TO sig_app;
-- maps.record_dirty belongs to sig_rules (NOLOGIN).
GRANT INSERT ON maps.dirty_extent TO sig_rules;
GRANT USAGE ON SEQUENCE maps.dirty_extent_id_seq TO sig_rules;
SELECT acl.hand_definers_to_rules('maps');

-- Statement-level AFTER trigger (transition tables: changed_rows for inserts and deletes,
-- old_rows / new_rows for updates). A small change keeps one extent per geometry; a bulk
-- change (over 64 rows) groups them by municipality and 2 km cell, so an import of thousands
-- of features stays a few hundred rows. Static statements: their plans are kept per table,
-- so a client writing row by row pays no planning per row.
-- SECURITY DEFINER: editors and the app never write maps.dirty_extent directly.
SET ROLE sig_rules;
CREATE OR REPLACE FUNCTION maps.cell(g public.geometry, total bigint, n bigint)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN total <= 64 THEN n::pg_catalog.text
         ELSE pg_catalog.floor(ST_XMin(g) / 2000)::pg_catalog.text || ':'
              || pg_catalog.floor(ST_YMin(g) / 2000)::pg_catalog.text END
$$;

CREATE OR REPLACE FUNCTION maps.record_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  recorded integer;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO maps.dirty_extent (table_name, features) VALUES (TG_TABLE_NAME, 0);
    PERFORM pg_notify('sig_tiles', TG_TABLE_NAME);
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    WITH u AS (
      SELECT o.municipio, o.geom, n.geom AS new_geom, n.municipio AS new_municipio
        FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE n.row_version IS DISTINCT FROM o.row_version),
    changed AS (SELECT municipio, geom FROM u
                UNION ALL SELECT new_municipio, new_geom FROM u WHERE new_geom IS DISTINCT FROM geom),
    keyed AS (SELECT municipio, geom, maps.cell(geom, count(*) OVER (), row_number() OVER ()) AS cell,
                     row_number() OVER () AS ord
                FROM changed WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom))
    INSERT INTO maps.dirty_extent (table_name, municipio, minx, miny, maxx, maxy, features)
    SELECT TG_TABLE_NAME, municipio, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n
      FROM (SELECT municipio, ST_Extent(geom) AS e, count(*)::integer AS n, min(ord) AS first
              FROM keyed GROUP BY municipio, cell) grouped ORDER BY first;
  ELSE
    WITH keyed AS (
      SELECT municipio, geom, maps.cell(geom, count(*) OVER (), row_number() OVER ()) AS cell,
                     row_number() OVER () AS ord
        FROM changed_rows WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom))
    INSERT INTO maps.dirty_extent (table_name, municipio, minx, miny, maxx, maxy, features)
    SELECT TG_TABLE_NAME, municipio, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n
      FROM (SELECT municipio, ST_Extent(geom) AS e, count(*)::integer AS n, min(ord) AS first
              FROM keyed GROUP BY municipio, cell) grouped ORDER BY first;
  END IF;
  GET DIAGNOSTICS recorded = ROW_COUNT;
  IF recorded > 0 THEN
    PERFORM pg_notify('sig_tiles', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END
$$;
RESET ROLE;
