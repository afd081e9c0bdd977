"""Import-run records, written on a connection of their own (autocommit, as `sig_app`).

A run record is created before any feature is read and finished after the merge commits or
rolls back, so it — and the run's quarantine — survives a failed merge. A run whose process
died keeps the state `em_curso` until the next import notices its database session is gone
and marks it `interrompida`.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from sig.db.connect import connect_as

RUN_COLUMNS = (
    "id, started_at, finished_at, status, app_user, db_login, municipios, theme, fonte, files, "
    "profile, profile_sha256, crs, transformation, accuracy_m, helmert, options, read, "
    "inserted, updated, unchanged, quarantined, deleted, repaired, layers, messages, error"
)


def bookkeeping() -> psycopg.Connection:
    return connect_as("app", autocommit=True, application_name="sig import (registo)")


def mark_interrupted(conn: psycopg.Connection) -> int:
    """Runs left `em_curso` by a process that no longer exists."""
    cur = conn.execute(
        "UPDATE importing_run SET status = 'interrompida', finished_at = now(), "
        "error = 'o processo terminou antes do fim; nada foi gravado nos temas' "
        "WHERE status = 'em_curso' AND (backend_pid IS NULL OR backend_pid NOT IN "
        "(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL))")
    return cur.rowcount


@dataclass
class RunStart:
    """What is known when a run starts."""

    app_user: str
    db_login: str | None
    municipios: list[str]
    theme: str
    fonte: str
    files: list[dict]
    profile: str | None
    profile_sha256: str | None
    crs: str
    transformation: str
    accuracy_m: float | None
    helmert: bool
    options: dict
    layers: list[dict]
    messages: list[str]
    backend_pid: int | None


def create(conn: psycopg.Connection, start: RunStart) -> int:
    row = conn.execute(
        "INSERT INTO importing_run (started_at, status, app_user, db_login, municipios, theme, "
        "fonte, files, profile, profile_sha256, crs, transformation, accuracy_m, helmert, "
        "options, read, inserted, updated, unchanged, quarantined, deleted, repaired, layers, "
        "messages, backend_pid) VALUES (clock_timestamp(), 'em_curso', %s, %s, %s, %s, %s, %s, "
        "%s, %s, %s, %s, %s, %s, %s, 0, 0, 0, 0, 0, 0, 0, %s, %s, %s) RETURNING id",
        (start.app_user, start.db_login, Jsonb(start.municipios), start.theme, start.fonte,
         Jsonb(start.files), start.profile, start.profile_sha256, start.crs,
         start.transformation, start.accuracy_m, start.helmert, Jsonb(start.options),
         Jsonb(start.layers), Jsonb(start.messages), start.backend_pid)).fetchone()
    assert row is not None
    return int(row[0])


def finish(conn: psycopg.Connection, run_id: int, status: str, counts: dict[str, int],
           layers: list[dict], messages: list[str]) -> None:
    conn.execute(
        "UPDATE importing_run SET status = %s, finished_at = clock_timestamp(), read = %s, "
        "inserted = %s, updated = %s, unchanged = %s, quarantined = %s, deleted = %s, "
        "repaired = %s, layers = %s, messages = %s WHERE id = %s",
        (status, counts["read"], counts["inserted"], counts["updated"], counts["unchanged"],
         counts["quarantined"], counts["deleted"], counts["repaired"], Jsonb(layers),
         Jsonb(messages), run_id))


def fail(conn: psycopg.Connection, run_id: int, status: str, error: str,
         counts: dict[str, int] | None = None) -> None:
    """A run that ended without committing: nothing in the themes; counts as far as known."""
    counts = counts or {}
    conn.execute(
        "UPDATE importing_run SET status = %s, finished_at = clock_timestamp(), error = %s, "
        "read = %s, quarantined = %s WHERE id = %s",
        (status, error, counts.get("read", 0), counts.get("quarantined", 0), run_id))


def get(conn: psycopg.Connection, run_id: int) -> dict | None:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(f"SELECT {RUN_COLUMNS} FROM importing_run WHERE id = %s", (run_id,))
        return cur.fetchone()


def recent(conn: psycopg.Connection, limit: int = 20) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(f"SELECT {RUN_COLUMNS} FROM importing_run ORDER BY id DESC LIMIT %s",
                    (limit,))
        return cur.fetchall()
