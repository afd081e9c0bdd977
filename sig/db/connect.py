"""psycopg connections as one of the service roles, failing fast with a clear message."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg

from sig.conf import get_settings, with_user


class DatabaseUnavailable(Exception):
    """The database named in the settings cannot be reached."""


def describe(url: str) -> str:
    """A URL without its password, for messages."""
    parts = urlsplit(url)
    return f"{parts.username or ''}@{parts.hostname}:{parts.port or 5432}{parts.path}"


def connect(url: str, *, autocommit: bool = False, application_name: str = "sig",
            timeout: int = 5) -> psycopg.Connection:
    """Open a connection or raise DatabaseUnavailable naming the target."""
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=timeout,
                               application_name=application_name)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__
        raise DatabaseUnavailable(
            f"não foi possível ligar à base de dados {describe(url)}: {reason}"
        ) from exc


def connect_as(role: str, **kwargs) -> psycopg.Connection:
    """Connect as a service role: app, owner, reader or admin."""
    return connect(get_settings().url_for(role), **kwargs)


def connect_login(login: str, password: str | None = None, **kwargs) -> psycopg.Connection:
    """Connect as a personal login (e.g. a QGIS editor) to the service database."""
    return connect(with_user(get_settings().database_url, login, password), **kwargs)
