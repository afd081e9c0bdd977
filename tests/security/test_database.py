"""Attacks on the database rules, run as the real roles a person or a request connects as.

A login that could create temporary objects could shadow any unqualified relation a function
reads (PostgreSQL searches the session's temporary schema first): the rules must hold both
because no such role may create anything, and because no function reads an unqualified name.
The second layer is tested by granting TEMPORARY for the duration of a test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import errors, sql

from sig.conf import get_settings, with_database, with_user
from tests.conftest import act_as

PROJECT_SCHEMAS = ("acl", "audit", "maps", "ogcapi")
POINT_1009 = "SRID=3763;POINT(-57826 9015)"  # Leiria castle
POINT_1010 = "SRID=3763;POINT(-70986 13835)"  # Marinha Grande
# PostGIS's own SECURITY DEFINER functions: owned by the superuser that installed the
# extension; their search_path is pinned by `sig bootstrap-db`.
EXTENSION_DEFINERS = {"public.st_estimatedextent"}
ATTACKER = "atacante_qgis_1009"
VIEWER = "leitor_qgis"


def _connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=5, application_name="ataque", **kwargs)


def _admin(**kwargs) -> psycopg.Connection:
    return _connect(get_settings().database_admin_url, **kwargs)


def _login_url(login: str) -> str:
    return with_user(get_settings().database_url, login)


@pytest.fixture(scope="module")
def logins(caop) -> Iterator[dict[str, str]]:
    """Personal logins as `sig grant-qgis` makes them: an editor of 1009 and a viewer."""
    made = {ATTACKER: "editor_1009", VIEWER: "sig_reader"}
    with _connect(with_database(get_settings().database_admin_url, "postgres"),
                  autocommit=True) as conn:
        for login, group in made.items():
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN INHERIT NOSUPERUSER NOBYPASSRLS IN ROLE {}")
                         .format(sql.Identifier(login), sql.Identifier(group)))
    yield {"editor": ATTACKER, "viewer": VIEWER}


@dataclass(frozen=True)
class Role:
    """One way in: the URL, and the user and municipalities the session states (if any)."""

    name: str
    url: str
    states: tuple[str, list[str]] | None = None

    @property
    def writes_1009(self) -> bool:
        return self.name in ("editor login", "sig_app", "sig_importer")


def login_facing(logins: dict[str, str]) -> list[Role]:
    settings = get_settings()
    return [Role("editor login", _login_url(logins["editor"])),
            Role("viewer login", _login_url(logins["viewer"])),
            Role("sig_reader", settings.database_reader_url),
            Role("sig_app", settings.database_url, ("ana.leiria", ["1009"]))]


def every_role(logins: dict[str, str]) -> list[Role]:
    importer = Role("sig_importer", get_settings().database_importer_url,
                    ("importacao", ["1009"]))
    return [*login_facing(logins), importer]


def _database_role(conn: psycopg.Connection) -> str:
    return conn.execute("SELECT session_user").fetchone()[0]


# --- no role a person or a request uses may create anything ---------------------------------

def test_login_facing_roles_cannot_create_anything(logins):
    for role in login_facing(logins):
        with _connect(role.url) as conn:
            user = _database_role(conn)
            rights = conn.execute(
                "SELECT has_database_privilege(current_database(), 'TEMPORARY'), "
                "has_database_privilege(current_database(), 'CREATE'), "
                "array(SELECT nspname FROM pg_namespace "
                "      WHERE has_schema_privilege(oid, 'CREATE') ORDER BY 1)").fetchone()
            assert rights == (False, False, []), f"{role.name} ({user}) may create: {rights}"


@pytest.mark.parametrize("statement", [
    "CREATE TEMP VIEW pg_roles AS SELECT * FROM pg_catalog.pg_roles",
    "CREATE TEMP TABLE pg_trigger (x int)",
    "CREATE TABLE public.municipio_falso (x int)",
    "CREATE SCHEMA atalho",
])
def test_the_confirmed_shadowing_attack_is_refused_at_the_first_step(logins, statement):
    for role in login_facing(logins):
        with _connect(role.url) as conn, pytest.raises(errors.InsufficientPrivilege):
            conn.execute(statement)


def test_the_importer_is_the_only_service_role_with_temporary_tables():
    settings = get_settings()
    with _connect(settings.database_importer_url) as conn:
        conn.execute("CREATE TEMP TABLE staging_probe (x int)")
        creates = conn.execute("SELECT has_database_privilege(current_database(), 'CREATE')")
        assert creates.fetchone()[0] is False


# --- SECURITY DEFINER functions ---------------------------------------------------------------

def _definers() -> list[tuple[str, str, bool, list[str] | None]]:
    with _admin() as conn:
        return conn.execute(
            "SELECT n.nspname || '.' || p.proname, r.rolname, r.rolcanlogin, p.proconfig "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "JOIN pg_roles r ON r.oid = p.proowner WHERE p.prosecdef ORDER BY 1").fetchall()


def _search_path(config: list[str] | None) -> list[str]:
    for item in config or []:
        if item.startswith("search_path="):
            return [s.strip().strip('"') for s in item.split("=", 1)[1].split(",")]
    return []


def test_every_security_definer_function_is_pinned_and_owned_by_a_nologin_role(logins):
    definers = _definers()
    assert {"audit.log_rows", "ogcapi.state", "acl.restore_feature"} <= {d[0] for d in definers}
    with _admin() as conn:
        for name, owner, can_login, config in definers:
            path = _search_path(config)
            assert path and path[-1] == "pg_temp", f"{name}: search_path {path} ends not in pg_temp"
            for schema in path[:-1]:
                for role in login_facing(logins):
                    who = role.url.split("//")[1].split("@")[0]
                    writable = conn.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')",
                                            (who, schema)).fetchone()[0]
                    assert not writable, f"{name}: {who} may create in {schema}"
            if name not in EXTENSION_DEFINERS:
                assert not can_login, f"{name} belongs to {owner}, which can log in"


# --- shadowing every name the functions read, with TEMPORARY granted --------------------------

@contextmanager
def temporary_granted(user: str) -> Iterator[None]:
    """TEMPORARY for `user` on the test database while the block runs."""
    grant = sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}")
    revoke = sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM {}")
    db, who = sql.Identifier(get_settings().db_name), sql.Identifier(user)
    with _admin(autocommit=True) as conn:
        conn.execute(grant.format(db, who))
    try:
        yield
    finally:
        with _admin(autocommit=True) as conn:
            if user != "sig_importer":
                conn.execute(revoke.format(db, who))


def shadowable_names() -> dict[str, str]:
    """Every word in the source of the project's functions that names a relation (or a
    transition table), with the select list of a row of the same shape (all NULL)."""
    with _admin() as conn:
        sources = conn.execute(
            "SELECT string_agg(p.prosrc, ' ') FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s)", (list(PROJECT_SCHEMAS),)
        ).fetchone()[0]
        words = set(re.findall(r"[a-z_][a-z0-9_]*", sources.lower()))
        shapes = dict(conn.execute(
            "SELECT DISTINCT ON (c.relname) c.relname, (SELECT string_agg(format('NULL::%%s "
            "AS %%I', format_type(a.atttypid, a.atttypmod), a.attname), ', ' ORDER BY a.attnum) "
            "FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
            "AND NOT a.attisdropped AND a.atttypid <> 'anyarray'::regtype) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'v', 'p') AND n.nspname = ANY(%s) "
            "ORDER BY c.relname, n.nspname <> 'pg_catalog'",
            (["pg_catalog", "public", *PROJECT_SCHEMAS],)).fetchall())
    names = {w: shapes[w] for w in words if w in shapes}
    names |= {"new_rows": shapes["equipamentos"], "old_rows": shapes["equipamentos"]}
    return names


PROBE = """
CREATE FUNCTION pg_temp.probe() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_catalog.set_config('ataque.vezes',
    pg_catalog.current_setting('ataque.vezes', true) || ',' || current_user, false);
  RETURN true;
END $$;
"""


def plant_shadows(conn: psycopg.Connection, names: dict[str, str]) -> None:
    """Temporary views named after every relation the functions read; each row they give
    calls the probe, which notes the role it runs as."""
    conn.execute(PROBE)
    for name, columns in names.items():
        conn.execute(sql.SQL("CREATE TEMP VIEW {} AS SELECT {} WHERE pg_temp.probe()")
                     .format(sql.Identifier(name), sql.SQL(columns)))
    # The confirmed attack: a pg_roles that makes the login a member of every editor role.
    conn.execute("DROP VIEW pg_temp.pg_roles")
    conn.execute("CREATE TEMP VIEW pg_roles AS SELECT r.rolname, m.oid, r.rolsuper, "
                 "r.rolbypassrls FROM pg_catalog.pg_roles r, pg_catalog.pg_roles m "
                 "WHERE r.rolname ~ '^editor_' AND m.rolname = 'editor_1009' "
                 "AND pg_temp.probe()")


def probe_hits(conn: psycopg.Connection) -> set[str]:
    hits = conn.execute("SELECT current_setting('ataque.vezes', true)").fetchone()[0] or ""
    return {h for h in hits.split(",") if h}


SAMPLE_ARGUMENTS = {"text": "'equipamentos'", "name": "current_user", "bigint": "1",
                    "jsonb": "'{}'::jsonb", "geometry": f"'{POINT_1009}'::geometry",
                    "integer": "1", "boolean": "true"}


def callable_functions(conn: psycopg.Connection) -> list[str]:
    """A call of every project function this session may execute (triggers excepted)."""
    rows = conn.execute(
        "SELECT format('%%I.%%I', n.nspname, p.proname), "
        "array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t) "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = ANY(%s) AND p.prorettype <> 'trigger'::regtype "
        "AND has_function_privilege(p.oid, 'EXECUTE')", (list(PROJECT_SCHEMAS),)).fetchall()
    calls = []
    for name, types in rows:
        if all(t in SAMPLE_ARGUMENTS for t in types):
            calls.append(f"SELECT {name}({', '.join(SAMPLE_ARGUMENTS[t] for t in types)})")
    return calls


def attempt(conn: psycopg.Connection, statement: str, params=()) -> bool:
    """Run `statement` in a savepoint; True when the database accepted it."""
    try:
        with conn.transaction():
            conn.execute(statement, params)
        return True
    except psycopg.Error:
        return False


def foreign_feature() -> int:
    with _admin() as conn:
        return conn.execute("SELECT id FROM public.equipamentos WHERE municipio = '1010' "
                            "ORDER BY id LIMIT 1").fetchone()[0]


def write_own_and_foreign(conn: psycopg.Connection, role: Role) -> int | None:
    """Insert, update and delete in 1009; every write into 1010 must be refused."""
    target = foreign_feature()
    insert = ("INSERT INTO equipamentos (municipio, tipo, nome, geom) "
              "VALUES (%s, 'cultura', 'ataque', %s::geometry) RETURNING id")
    assert not attempt(conn, insert, ("1010", POINT_1010)), f"{role.name} wrote in 1010"
    assert not attempt(conn, "UPDATE equipamentos SET nome = 'tomado' WHERE id = %s", (target,))
    assert not attempt(conn, "DELETE FROM equipamentos WHERE id = %s", (target,))
    if not role.writes_1009:
        assert not attempt(conn, insert, ("1009", POINT_1009)), f"{role.name} wrote in 1009"
        return None
    own = conn.execute(insert, ("1009", POINT_1009)).fetchone()[0]
    conn.execute("UPDATE equipamentos SET nome = 'mudado' WHERE id = %s", (own,))
    conn.execute("DELETE FROM equipamentos WHERE id = %s", (own,))
    return own


@pytest.mark.parametrize("index", range(5), ids=[
    "editor login", "viewer login", "sig_reader", "sig_app", "sig_importer"])
def test_shadowing_every_name_changes_no_right_and_runs_nothing_as_another_role(
        demo, logins, index):
    role = every_role(logins)[index]
    names = shadowable_names()
    assert {"pg_roles", "pg_trigger", "pg_attribute", "municipio", "change_log"} <= set(names)
    with _connect(role.url) as conn:
        user = _database_role(conn)
        with temporary_granted(user):
            if role.states:
                act_as(conn, *role.states)
            plant_shadows(conn, names)
            editable = conn.execute("SELECT acl.editable_municipios()::text[]").fetchone()[0]
            assert editable == (["1009"] if role.writes_1009 else [])
            own = write_own_and_foreign(conn, role)
            for call in callable_functions(conn):
                attempt(conn, call)
            assert probe_hits(conn) <= {user}, f"{role.name}: a shadow ran as another role"
            conn.commit()
    if own is not None:
        with _admin() as conn:
            log = conn.execute("SELECT op, db_user FROM audit.change_log WHERE "
                               "table_name = 'equipamentos' AND row_id = %s ORDER BY id",
                               (own,)).fetchall()
        assert log == [("I", user), ("U", user), ("D", user)]


@pytest.mark.parametrize("index", [0, 3, 4], ids=["editor login", "sig_app", "sig_importer"])
def test_shadows_reach_nothing_in_the_audit_of_a_bulk_update(demo, logins, index):
    """From 100 rows on, an update is audited by a statement built at run time
    (audit.bulk_update_sql, executed by the SECURITY DEFINER trigger): a writer that shadows
    every name the functions use still gets its own entries, and no shadow runs."""
    role = every_role(logins)[index]
    insert = ("INSERT INTO equipamentos (municipio, tipo, nome, geom) SELECT '1009', "
              "'cultura', 'ataque', %s::geometry FROM generate_series(1, 120) RETURNING id")
    with _connect(role.url) as conn:
        user = _database_role(conn)
        with temporary_granted(user):
            if role.states:
                act_as(conn, *role.states)
            plant_shadows(conn, shadowable_names())
            assert not attempt(conn, "SELECT audit.bulk_update_sql('equipamentos', 'x')")
            ids = [r[0] for r in conn.execute(insert, (POINT_1009,)).fetchall()]
            conn.execute("UPDATE equipamentos SET nome = 'mudado' WHERE id = ANY(%s)", (ids,))
            assert probe_hits(conn) <= {user}, f"{role.name}: a shadow ran as another role"
            conn.execute("DELETE FROM equipamentos WHERE id = ANY(%s)", (ids,))
            conn.commit()
    with _admin() as conn:
        log = conn.execute("SELECT db_user, old_values, new_values FROM audit.change_log "
                           "WHERE table_name = 'equipamentos' AND op = 'U' AND row_id = ANY(%s)",
                           (ids,)).fetchall()
    assert log == [(user, {"nome": "ataque"}, {"nome": "mudado"})] * len(ids)


# --- the boundaries the geometry rule checks, and what the importer reaches -------------------

def test_no_service_role_may_move_a_boundary(demo, logins):
    """Widening `municipio.geom_limite` would let any geometry pass as inside its
    municipality, on every write path."""
    attacks = ["UPDATE municipio SET geom_limite = ST_Multi(ST_Buffer(geom_limite, 100000)) "
               "WHERE dico = '1009'",
               "UPDATE freguesia SET municipio = '1009' WHERE municipio = '1010'",
               "DELETE FROM freguesia WHERE municipio = '1009'",
               "INSERT INTO municipio SELECT * FROM municipio WHERE dico = '1009'"]
    for role in every_role(logins):
        with _connect(role.url) as conn:
            for statement in attacks:
                assert not attempt(conn, statement), f"{role.name}: {statement}"


def test_the_importer_reaches_themes_and_boundaries_only(demo):
    """Imports read hostile files: their role may not touch accounts, tokens or history."""
    with _connect(get_settings().database_importer_url) as conn:
        assert conn.execute("SELECT count(*) FROM municipio").fetchone()[0] == 10
        for statement in ("SELECT count(*) FROM auth_user",
                          "UPDATE auth_user SET is_superuser = true",
                          "SELECT count(*) FROM editing_tokenapi",
                          "SELECT count(*) FROM audit.change_log",
                          "SELECT count(*) FROM importing_run"):
            assert not attempt(conn, statement), statement
        roles = conn.execute("SELECT array(SELECT b.rolname FROM pg_auth_members m "
                             "JOIN pg_roles b ON b.oid = m.roleid "
                             "WHERE m.member = 'sig_importer'::regrole)").fetchone()[0]
        assert roles == []


# --- ids, truncation, the audit log -----------------------------------------------------------

def test_no_service_role_chooses_an_id(demo, logins):
    taken = foreign_feature()
    statements = [
        "INSERT INTO equipamentos (id, municipio, tipo, nome, geom) VALUES "
        "(987654321, '1009', 'cultura', 'x', %s::geometry)",
        "INSERT INTO equipamentos (id, municipio, tipo, nome, geom) OVERRIDING SYSTEM VALUE "
        "VALUES (987654321, '1009', 'cultura', 'x', %s::geometry)",
    ]
    for role in every_role(logins):
        with _connect(role.url) as conn:
            if role.states:
                act_as(conn, *role.states)
            for statement in statements:
                assert not attempt(conn, statement, (POINT_1009,)), f"{role.name} chose an id"
            assert not attempt(conn, "UPDATE equipamentos SET id = DEFAULT WHERE municipio = "
                                     "'1009' AND id <> %s", (taken,))


def test_restore_is_the_one_way_to_an_old_id_and_checks_the_municipality(demo):
    settings = get_settings()
    with _connect(settings.database_owner_url) as owner:
        gone = owner.execute("INSERT INTO equipamentos (municipio, tipo, nome, geom) VALUES "
                             "('1010', 'cultura', 'a repor', %s::geometry) RETURNING id",
                             (POINT_1010,)).fetchone()[0]
        owner.execute("DELETE FROM equipamentos WHERE id = %s", (gone,))
        owner.commit()
    with _connect(settings.database_url) as app:
        act_as(app, "ana.leiria", ["1009"])
        with pytest.raises(errors.InsufficientPrivilege, match="município 1010"):
            app.execute("SELECT acl.restore_feature('equipamentos', %s)", (gone,))
        app.rollback()
        act_as(app, "marta.mgrande", ["1010"])
        app.execute("SELECT acl.restore_feature('equipamentos', %s)", (gone,))
        back = app.execute("SELECT nome, row_version FROM equipamentos WHERE id = %s",
                           (gone,)).fetchone()
        assert back == ("a repor", 1)
        with pytest.raises(psycopg.Error, match="existe"):
            app.execute("SELECT acl.restore_feature('equipamentos', %s)", (gone,))
        app.rollback()


def test_no_service_role_may_truncate_a_theme_or_the_log(demo, logins):
    for role in every_role(logins):
        with _connect(role.url) as conn:
            for table in ("equipamentos", "audit.change_log"):
                assert not attempt(conn, f"TRUNCATE {table}"), f"{role.name} truncated {table}"


def test_a_truncate_by_the_owner_enters_the_log_row_by_row(demo):
    with _connect(get_settings().database_owner_url) as owner:
        rows = owner.execute("SELECT count(*) FROM equipamentos").fetchone()[0]
        before = owner.execute("SELECT max(id) FROM audit.change_log").fetchone()[0]
        owner.execute("TRUNCATE equipamentos CASCADE")
        logged = owner.execute("SELECT count(*), count(DISTINCT row_id) FROM audit.change_log "
                               "WHERE id > %s AND op = 'D' AND table_name = 'equipamentos'",
                               (before,)).fetchone()
        owner.rollback()
    assert rows > 0 and logged == (rows, rows)


def test_the_log_is_append_only_even_for_the_owner(demo, logins):
    settings = get_settings()
    attacks = ["DELETE FROM audit.change_log", "UPDATE audit.change_log SET app_user = 'x'",
               "ALTER TABLE audit.change_log DISABLE TRIGGER USER",
               "DROP TRIGGER t00_append_only ON audit.change_log",
               "INSERT INTO audit.change_log (table_name, row_id, op, db_user, db_role) "
               "VALUES ('equipamentos', 1, 'D', 'ninguem', 'none')"]
    urls = [settings.database_owner_url, *(r.url for r in every_role(logins))]
    for url in urls:
        with _connect(url) as conn:
            for statement in attacks:
                assert not attempt(conn, statement), f"{statement!r} passed for {url}"
    with _admin() as conn:
        owner = conn.execute("SELECT relowner::regrole::text, r.rolcanlogin FROM pg_class c "
                             "JOIN pg_roles r ON r.oid = c.relowner "
                             "WHERE c.oid = 'audit.change_log'::regclass").fetchone()
    assert owner == ("sig_audit", False)
