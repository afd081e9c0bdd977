"""Personal PostGIS logins for QGIS users, kept in step with their profile.

An editor's login is a member of `editor_<DICO>` for each of their municipalities (the database
then lets it change those features only); a viewer's login is a member of `sig_reader`.
Roles belong to the cluster and need a superuser (CREATEROLE) connection: `connect_as("admin")`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from psycopg import sql

from sig.conf import get_settings
from sig.db.bootstrap import editor_role
from sig.db.connect import connect_as
from sig.editing.accounts import EDITOR, AccountError, Actor

PREFIX = "qgis_"
MARK = "sig-qgis:"  # role comment naming the person; roles without it are never touched
CONNECTION_LIMIT = 10
SERVICE_NAME = "sig-cimrl"


@dataclass(frozen=True)
class QgisLogin:
    login: str
    password: str | None  # only when set now (shown once)
    roles: tuple[str, ...]
    created: bool


def login_name(username: str) -> str:
    """The PostGIS login of a person: lower case, letters, digits and underscores."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", username.lower())
    return (PREFIX + cleaned)[:63]


def wanted_roles(actor: Actor) -> tuple[str, ...]:
    if actor.can_edit:
        return tuple(editor_role(d) for d in actor.municipios)
    return ("sig_reader",) if actor.is_authenticated else ()


def _owned_by_us(cur, login: str) -> bool | None:
    """None: no such role; True: a login made here; False: some other role (never touched)."""
    cur.execute("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = %s",
                (login,))
    row = cur.fetchone()
    if row is None:
        return None
    return (row[0] or "").startswith(MARK)


def _current_roles(cur, login: str) -> set[str]:
    cur.execute("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s", (login,))
    return {row[0] for row in cur.fetchall()}


def _create_or_enable(cur, login: str, username: str, password: str | None) -> bool:
    ours = _owned_by_us(cur, login)
    if ours is False:
        raise AccountError(f"já existe um papel {login} que não foi criado por este serviço")
    verb = "CREATE" if ours is None else "ALTER"
    cur.execute(sql.SQL(verb + " ROLE {} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE "
                        "NOBYPASSRLS CONNECTION LIMIT {}").format(
        sql.Identifier(login), sql.Literal(CONNECTION_LIMIT)))
    cur.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(
        sql.Identifier(login), sql.Literal(MARK + username)))
    if password:
        cur.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(login), sql.Literal(password)))
    return ours is None


def _sync_roles(cur, login: str, wanted: tuple[str, ...]) -> None:
    managed = {editor_role(d) for d in get_settings().municipios} | {"sig_reader"}
    current = _current_roles(cur, login) & managed
    for role in sorted(set(wanted) - current):
        cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(login)))
    for role in sorted(current - set(wanted)):
        cur.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(role),
                                                        sql.Identifier(login)))


def grant(actor: Actor, password: str | None = None) -> QgisLogin:
    """Create or update the person's login and its group roles. A new login without a given
    password gets a generated one (returned once)."""
    if actor.role == EDITOR and not actor.municipios:
        raise AccountError(f"{actor.username} não tem municípios para editar")
    login = login_name(actor.username)
    roles = wanted_roles(actor)
    with connect_as("admin") as conn, conn.cursor() as cur:
        exists = _owned_by_us(cur, login) is not None
        new_password = password or (None if exists else secrets.token_urlsafe(18))
        created = _create_or_enable(cur, login, actor.username, new_password)
        _sync_roles(cur, login, roles)
    return QgisLogin(login, new_password, roles, created)


def revoke(login: str) -> bool:
    """Disable a login made here: no LOGIN, no group roles, its sessions ended."""
    if not login:
        return False
    with connect_as("admin") as conn, conn.cursor() as cur:
        if not _owned_by_us(cur, login):
            return False
        cur.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(login)))
        _sync_roles(cur, login, ())
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                    (login,))
    return True


def service_snippet(login: str) -> str:
    """A pg_service.conf section for QGIS (the password goes in QGIS's authentication store)."""
    parts = urlsplit(get_settings().database_url)
    return "\n".join([
        f"[{SERVICE_NAME}]",
        f"host={parts.hostname or 'localhost'}",
        f"port={parts.port or 5432}",
        f"dbname={parts.path.lstrip('/')}",
        f"user={login}",
        "sslmode=prefer",
        "application_name=qgis",
    ])
