-- The boundaries' side of the theme tables' references to municipio and freguesia. The
-- themes have no foreign keys (a foreign key checks an import's rows one by one at commit);
-- their inserts and updates are checked by t10_geom_* (acl.check_inserted_geometries,
-- acl.check_geometry), and a municipality or freguesia that a theme row names cannot be
-- deleted or renumbered. Only the owner writes the boundaries (sig load-caop, upserts).
-- The trigger's argument names the key column (dico, dicofre); every audited table with a
-- column named after the boundary table (municipio, freguesia) is searched.
CREATE OR REPLACE FUNCTION acl.protect_references() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  pick pg_catalog.text := pg_catalog.format('SELECT ($1).%I::pg_catalog.text', TG_ARGV[0]);
  key pg_catalog.text;
  still pg_catalog.text;
  theme regclass;
  used boolean;
BEGIN
  EXECUTE pick INTO key USING OLD;
  IF TG_OP = 'UPDATE' THEN
    EXECUTE pick INTO still USING NEW;
  END IF;
  IF still IS NOT DISTINCT FROM key THEN
    RETURN NEW;
  END IF;
  FOR theme IN SELECT t.tgrelid::regclass FROM pg_catalog.pg_trigger t
                JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid
                 AND a.attname = TG_TABLE_NAME AND NOT a.attisdropped
                WHERE t.tgname = 't90_audit_insert' LOOP
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I = $1)', theme,
                              TG_TABLE_NAME) INTO used USING key;
    IF used THEN
      RAISE EXCEPTION USING ERRCODE = '23503',
        MESSAGE = pg_catalog.format('%s %s tem elementos em %s', TG_TABLE_NAME, key, theme);
    END IF;
  END LOOP;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
REVOKE ALL ON FUNCTION acl.protect_references() FROM PUBLIC;

DROP TRIGGER IF EXISTS t10_references ON public.municipio;
CREATE TRIGGER t10_references BEFORE UPDATE OR DELETE ON public.municipio
  FOR EACH ROW EXECUTE FUNCTION acl.protect_references('dico');
DROP TRIGGER IF EXISTS t10_references ON public.freguesia;
CREATE TRIGGER t10_references BEFORE UPDATE OR DELETE ON public.freguesia
  FOR EACH ROW EXECUTE FUNCTION acl.protect_references('dicofre');
