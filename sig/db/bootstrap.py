"""Create the service roles, the database and PostGIS (needs a superuser connection).

Idempotent: run it again after changing the list of municipalities to add their editor roles.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from psycopg import sql

from sig.conf import Settings, get_settings, with_database
from sig.db.connect import connect

SERVICE_ROLES = {
    # NOINHERIT: a member of sig_audit that reaches the audit log only by SET ROLE.
    "sig_owner": "LOGIN BYPASSRLS NOSUPERUSER NOCREATEROLE NOINHERIT",
    "sig_app": "LOGIN NOBYPASSRLS NOSUPERUSER NOCREATEROLE NOCREATEDB",
    # Imports (the `sig import` command and the upload worker): the theme tables through the
    # rules, the boundaries to read, temporary tables for staging — nothing else (it reads
    # hostile files). No person and no web request connects as it.
    "sig_importer": "LOGIN NOBYPASSRLS NOSUPERUSER NOCREATEROLE NOCREATEDB",
    "sig_reader": "LOGIN NOBYPASSRLS NOSUPERUSER NOCREATEROLE NOCREATEDB",
    "sig_editor": "NOLOGIN NOBYPASSRLS",
    # Owns the audit log, so that no role a service connects as owns it; migrations reach it
    # with SET ROLE.
    "sig_audit": "NOLOGIN NOBYPASSRLS NOSUPERUSER NOCREATEROLE NOCREATEDB",
    # Owns the other SECURITY DEFINER functions (tile and collection bookkeeping, restoring a
    # deleted feature), with just the rights they use; no service connects as it.
    "sig_rules": "NOLOGIN BYPASSRLS NOSUPERUSER NOCREATEROLE NOCREATEDB",
}
# Role memberships: (group, member).
MEMBERSHIPS = (("sig_audit", "sig_owner"), ("sig_rules", "sig_owner"))


def editor_role(dico: str) -> str:
    return f"editor_{dico}"


def _password(url: str) -> str | None:
    parts = urlsplit(url)
    return unquote(parts.password) if parts.password else None


def _ensure_role(cur, name: str, options: str, password: str | None) -> None:
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cur.fetchone() else "CREATE"
    cur.execute(sql.SQL(f"{verb} ROLE {{}} {options}").format(sql.Identifier(name)))
    if password:
        cur.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(password)))


def ensure_roles(cur, settings: Settings) -> None:
    passwords = {
        "sig_owner": _password(settings.database_owner_url),
        "sig_app": _password(settings.database_url),
        "sig_importer": _password(settings.database_importer_url),
        "sig_reader": _password(settings.database_reader_url),
    }
    for name, options in SERVICE_ROLES.items():
        _ensure_role(cur, name, options, passwords.get(name))
    for group, member in MEMBERSHIPS:
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(member)))
    for dico in settings.municipios:
        _ensure_role(cur, editor_role(dico), "NOLOGIN NOBYPASSRLS", None)
        cur.execute(sql.SQL("GRANT sig_editor TO {}").format(sql.Identifier(editor_role(dico))))


def ensure_database(cur, name: str) -> bool:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    if cur.fetchone():
        return False
    cur.execute(sql.SQL("CREATE DATABASE {} OWNER sig_owner ENCODING 'UTF8' TEMPLATE template0")
                .format(sql.Identifier(name)))
    return True


DATABASE_SETUP = """
CREATE EXTENSION IF NOT EXISTS postgis;
ALTER SCHEMA public OWNER TO sig_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sig_app, sig_importer, sig_reader, sig_editor, sig_audit,
  sig_rules;
ALTER DEFAULT PRIVILEGES FOR ROLE sig_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sig_app;
ALTER DEFAULT PRIVILEGES FOR ROLE sig_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO sig_app;
GRANT SELECT ON public.spatial_ref_sys TO sig_app, sig_importer, sig_reader, sig_editor;
-- PostGIS's own SECURITY DEFINER functions (ST_EstimatedExtent) get a pinned search_path too.
DO $pin$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
            WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f);
  END LOOP;
END
$pin$;
"""


# Any login may create temporary objects unless revoked, and they stand in for unqualified
# names: only the owner and the importer (staging tables) may; nobody but the owner creates.
DATABASE_RIGHTS = sql.SQL(
    "REVOKE ALL ON DATABASE {0} FROM PUBLIC, sig_app, sig_reader, sig_editor; "
    "GRANT CONNECT ON DATABASE {0} TO sig_app, sig_importer, sig_reader, sig_editor; "
    "GRANT TEMPORARY ON DATABASE {0} TO sig_importer")


def bootstrap(settings: Settings | None = None, dbname: str | None = None) -> None:
    """Roles, database, PostGIS, schema rights. Safe to repeat."""
    settings = settings or get_settings()
    name = dbname or urlsplit(settings.database_url).path.lstrip("/")
    admin = settings.database_admin_url
    with connect(with_database(admin, "postgres"), autocommit=True) as conn:
        with conn.cursor() as cur:
            ensure_roles(cur, settings)
            ensure_database(cur, name)
            cur.execute(DATABASE_RIGHTS.format(sql.Identifier(name)))
    with connect(with_database(admin, name), autocommit=True) as conn:
        conn.execute(DATABASE_SETUP)


def drop_database(name: str, settings: Settings | None = None) -> None:
    """Drop a database (tests use it for a clean start)."""
    settings = settings or get_settings()
    with connect(with_database(settings.database_admin_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
