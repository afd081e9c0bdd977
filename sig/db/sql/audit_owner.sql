-- The audit schema, its table and its functions belong to sig_audit. Run as sig_owner, a
-- member of sig_audit that does not inherit its rights (NOINHERIT): sig_owner reaches the
-- log only through an explicit SET ROLE. By the rules (rules.sql) and again after a restore,
-- which creates every object as the restoring role.
DO $owner$
DECLARE
  f regprocedure;
BEGIN
  IF (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'audit')
     <> 'sig_audit'::regrole THEN
    GRANT CREATE ON SCHEMA audit TO sig_audit;
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'audit'::regnamespace LOOP
      EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO sig_audit', f);
    END LOOP;
    IF pg_catalog.to_regclass('audit.change_log') IS NOT NULL THEN
      ALTER TABLE audit.change_log OWNER TO sig_audit;
    END IF;
    ALTER SCHEMA audit OWNER TO sig_audit;
  END IF;
  SET LOCAL ROLE sig_audit;
  REVOKE ALL ON SCHEMA audit FROM PUBLIC;
  GRANT USAGE ON SCHEMA audit TO sig_app, sig_editor, sig_owner, sig_rules;
  IF pg_catalog.to_regclass('audit.change_log') IS NOT NULL THEN
    REVOKE ALL ON audit.change_log FROM PUBLIC;
    GRANT SELECT ON audit.change_log TO sig_app, sig_owner, sig_rules;
    GRANT SELECT ON SEQUENCE audit.change_log_id_seq TO sig_owner;  -- for backups
  END IF;
  RESET ROLE;
END
$owner$;
