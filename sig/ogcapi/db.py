"""Pooled read-only connections (role sig_reader) for the OGC API, one pool per process.

Connections are in autocommit with UTC as time zone, a statement timeout and server-side
prepared statements for repeated queries. Connection failures become a 503 `ApiError`.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from sig.conf import get_settings
from sig.http import ApiError, bad_request

log = logging.getLogger(__name__)

_lock = threading.Lock()
_pools: dict[int, ConnectionPool] = {}


def _configure(conn: psycopg.Connection) -> None:
    conn.prepare_threshold = 0


def _new_pool() -> ConnectionPool:
    settings = get_settings()
    # Small, index-driven queries: parallel workers cost more to start than they save.
    options = (f"-c timezone=UTC -c statement_timeout={settings.ogcapi_statement_timeout_ms} "
               "-c max_parallel_workers_per_gather=0")
    return ConnectionPool(
        settings.database_reader_url, min_size=1, max_size=settings.ogcapi_pool_size,
        kwargs={"autocommit": True, "application_name": "sig-ogcapi", "options": options,
                "connect_timeout": 5},
        configure=_configure, timeout=10, name="sig-ogcapi", open=True)


def pool() -> ConnectionPool:
    """This process's pool (created on first use, again after a fork)."""
    pid = os.getpid()
    current = _pools.get(pid)
    if current is None:
        with _lock:
            current = _pools.get(pid)
            if current is None:
                current = _pools[pid] = _new_pool()
                atexit.register(close)  # close before interpreter shutdown, not in __del__
    return current


def close() -> None:
    """Close this process's pool (idempotent)."""
    pool_ = _pools.pop(os.getpid(), None)
    if pool_ is not None:
        pool_.close()


UNAVAILABLE = "a base de dados não está disponível; tente daqui a pouco"


def unavailable(message: str = UNAVAILABLE) -> ApiError:
    """A 503 the client may retry in a few seconds."""
    return ApiError(message, status=503, headers={"Retry-After": "5"})


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    """A pooled connection; database outages become 503."""
    try:
        with pool().connection() as conn:
            yield conn
    except PoolTimeout as exc:
        log.error("OGC API: no database connection: %s", exc)
        raise unavailable() from exc
    except psycopg.OperationalError as exc:
        log.error("OGC API: database error: %s", exc)
        raise unavailable() from exc


INVALID_DATA = "pedido inválido: a base de dados recusou um valor ({detail})"


@contextmanager
def query_errors() -> Iterator[None]:
    """Database errors caused by request values become 400; timeouts 503."""
    try:
        yield
    except psycopg.errors.QueryCanceled as exc:
        log.warning("OGC API: query cancelled: %s", exc)
        raise unavailable("o pedido demorou demasiado; restrinja a área ou o filtro") from exc
    except (psycopg.errors.DataError, psycopg.errors.InternalError_) as exc:
        log.info("OGC API: value refused by the database: %s", exc)
        detail = (exc.diag.message_primary or "").split("\n")[0][:200]
        raise bad_request(INVALID_DATA.format(detail=detail)) from exc
    except psycopg.OperationalError as exc:
        log.error("OGC API: database error: %s", exc)
        raise unavailable() from exc
