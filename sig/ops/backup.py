"""Backups that restore: `pg_dump` custom format of the whole service database, and back.

A backup holds the schema, the rules (policies, triggers, grants), the theme data, the audit
log, import runs and accounts; tile caches live in files and are never in it, and the rows of
cache-like tables (`EXCLUDED_DATA`) are left out. Beside each dump, `<file>.json` records the
exact row count of every table, counted in the very snapshot pg_dump copies, so that a
restore can prove it is complete.

A restore goes into an empty database made by `sig bootstrap-db` (roles, PostGIS), as the
owner role, in one transaction: it either completes or leaves the database empty. Triggers
are created after the data is loaded, so row versions, timestamps and the audit log come
back exactly as they were.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from sig.conf import Settings, get_settings, with_database
from sig.db.audit import AUDIT_OWNER_SQL
from sig.db.connect import connect, describe

Progress = Callable[[str], None]

# Table rows never copied (schema-qualified pg_dump patterns): counters and caches.
EXCLUDED_DATA = ("public.ops_ratelimit", "cache.*")
NAME_PATTERN = "sig-{db}-{stamp}.dump"
MANIFEST_VERSION = 1

TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in pt-PT."""


@dataclass
class BackupResult:
    path: Path
    size: int
    tables: dict[str, int]
    seconds: float


@dataclass
class RestoreResult:
    tables: dict[str, int]
    verified: bool
    seconds: float


# --- tools ------------------------------------------------------------------------------


def pg_tool(name: str, settings: Settings | None = None) -> str:
    """Path of pg_dump / pg_restore: SIG_PG_BINDIR, the newest installed PostgreSQL, PATH."""
    settings = settings or get_settings()
    folders = [Path(settings.pg_bindir)] if settings.pg_bindir else []
    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                      reverse=True)
    for folder in folders:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} não encontrado: instale o cliente do PostgreSQL ou defina "
                          "SIG_PG_BINDIR")
    return found


def _tool_major(tool: str) -> int:
    output = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match[1]) if match else 0


def _check_versions(tool: str, conn: psycopg.Connection) -> None:
    server = conn.info.server_version // 10000
    client = _tool_major(tool)
    if client < server:
        raise BackupError(f"{Path(tool).name} {client} não serve o PostgreSQL {server}: "
                          f"instale o cliente {server} ou aponte SIG_PG_BINDIR para ele")


def _libpq_url(url: str) -> str:
    return re.sub(r"^[A-Za-z0-9+.-]+://", "postgresql://", url)


def _run_tool(args: list[str], progress: Progress, describe_line: Callable[[str], str | None]
              ) -> None:
    """Run a PostgreSQL tool, turning its verbose lines into progress; fail with its error."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    errors = []
    assert process.stderr is not None
    for line in process.stderr:
        message = describe_line(line.rstrip())
        if message:
            progress(message)
        elif "error" in line.lower() or "erro" in line.lower():
            errors.append(line.strip())
    if process.wait() != 0:
        detail = "\n".join(errors[-5:]) or f"código {process.returncode}"
        raise BackupError(f"{Path(args[0]).name} falhou:\n{detail}")


# --- snapshot and counts -----------------------------------------------------------------


def _excluded(schema: str, table: str) -> bool:
    for pattern in EXCLUDED_DATA:
        p_schema, p_table = pattern.split(".")
        if p_schema == schema and p_table in ("*", table):
            return True
    return False


def _scalar(conn: psycopg.Connection, query) -> Any:
    row = conn.execute(query).fetchone()
    if row is None:
        raise BackupError(f"consulta sem resultado: {query}")
    return row[0]


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Exact row count of every table (extension tables and excluded data left out)."""
    counts = {}
    for schema, table in conn.execute(TABLES_SQL).fetchall():
        if _excluded(schema, table):
            continue
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema),
                                                             sql.Identifier(table))
        counts[f"{schema}.{table}"] = _scalar(conn, query)
    return counts


@contextmanager
def _snapshot(url: str) -> Iterator[tuple[psycopg.Connection, str]]:
    """A repeatable-read transaction whose snapshot pg_dump will share."""
    with connect(url, application_name="sig-backup") as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield conn, _scalar(conn, "SELECT pg_export_snapshot()")
        conn.rollback()


# --- backup ------------------------------------------------------------------------------


def default_output(settings: Settings) -> Path:
    folder = Path(settings.backup_dir) if settings.backup_dir else settings.var_dir / "backups"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / NAME_PATTERN.format(db=settings.db_name, stamp=stamp)


def _dump_line(line: str) -> str | None:
    match = re.search(r'dumping contents of table "([^"]+)"', line)
    return f"a copiar {match[1]}" if match else None


def _dump_args(tool: str, url: str, snapshot: str, target: Path) -> list[str]:
    args = [tool, "--format=custom", "--verbose", "--no-password", f"--snapshot={snapshot}",
            f"--file={target}", f"--dbname={_libpq_url(url)}"]
    return args + [f"--exclude-table-data={pattern}" for pattern in EXCLUDED_DATA]


def _write_manifest(path: Path, settings: Settings, counts: dict[str, int],
                    server: str) -> None:
    manifest = {"version": MANIFEST_VERSION, "database": settings.db_name,
                "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "server_version": server, "excluded_data": list(EXCLUDED_DATA),
                "tables": counts}
    manifest_path(path).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".json")


def backup(output: Path | None = None, progress: Progress = print,
           settings: Settings | None = None) -> BackupResult:
    """Dump the database to `output` (written aside, then renamed: never half a file)."""
    settings = settings or get_settings()
    start = time.monotonic()
    target = output or default_output(settings)
    if target.is_dir():
        target = target / default_output(settings).name
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    tool = pg_tool("pg_dump", settings)
    url = settings.database_owner_url
    progress(f"cópia de {describe(url)} para {target}")
    with _snapshot(url) as (conn, snapshot):
        _check_versions(tool, conn)
        counts = table_counts(conn)
        progress(f"{len(counts)} tabelas, {sum(counts.values())} linhas")
        try:
            _run_tool(_dump_args(tool, url, snapshot, partial), progress, _dump_line)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        server = _scalar(conn, "SELECT current_setting('server_version')")
    os.replace(partial, target)
    _write_manifest(target, settings, counts, server)
    return BackupResult(target, target.stat().st_size, counts, time.monotonic() - start)


def prune(folder: Path, keep: int, settings: Settings | None = None) -> list[Path]:
    """Delete all but the `keep` newest backups of this database in `folder`."""
    settings = settings or get_settings()
    pattern = NAME_PATTERN.format(db=settings.db_name, stamp="*")
    dumps = sorted(folder.glob(pattern), key=lambda p: p.name, reverse=True)
    removed = dumps[keep:]
    for dump in removed:
        dump.unlink()
        manifest_path(dump).unlink(missing_ok=True)
    return removed


# --- restore -----------------------------------------------------------------------------


def _toc(tool: str, path: Path) -> list[str]:
    result = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{path.name} não é uma cópia do pg_dump em formato custom: "
                          f"{result.stderr.strip().splitlines()[-1] if result.stderr else ''}")
    return result.stdout.splitlines()


def _require_empty(conn: psycopg.Connection) -> None:
    tables = conn.execute(TABLES_SQL).fetchall()
    if tables:
        raise BackupError(f"a base de dados {conn.info.dbname} não está vazia ({len(tables)} "
                          "tabelas): restaure para uma base nova criada por `sig bootstrap-db`")


def _extensions(toc: list[str]) -> list[str]:
    return [m[1] for line in toc if (m := re.search(r"\d+ EXTENSION - (\S+)", line))]


def _require_extensions(conn: psycopg.Connection, wanted: list[str],
                        settings: Settings) -> None:
    present = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
    missing = [name for name in wanted if name not in present]
    if not missing:
        return
    try:
        with connect(with_database(settings.database_admin_url, conn.info.dbname),
                     autocommit=True) as admin:
            for name in missing:
                admin.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(
                    sql.Identifier(name)))
    except Exception as exc:
        raise BackupError(f"extensões em falta na base de dados: {', '.join(missing)} (um "
                          f"superutilizador deve criá-las: CREATE EXTENSION …): {exc}") from exc


_GRANTEE = re.compile(r"^(?:GRANT|REVOKE)\b.*\b(?:TO|FROM)\s+(.+?)(?:\s+WITH GRANT OPTION)?;$")
_FOR_ROLE = re.compile(r"^ALTER DEFAULT PRIVILEGES FOR ROLE\s+(\S+)")


def _roles_in(schema_sql: str) -> set[str]:
    roles: set[str] = set()
    for line in schema_sql.splitlines():
        match = _GRANTEE.match(line) or _FOR_ROLE.match(line)
        if match:
            roles.update(r.strip().strip('"') for r in match[1].split(","))
    return roles - {"PUBLIC", ""}


def _require_roles(conn: psycopg.Connection, tool: str, path: Path) -> None:
    schema_sql = subprocess.run([tool, "--schema-only", "--file=-", str(path)],
                                capture_output=True, text=True).stdout
    present = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}
    missing = sorted(_roles_in(schema_sql) - present)
    if missing:
        raise BackupError(f"papéis em falta no servidor: {', '.join(missing)}; `sig "
                          "bootstrap-db` cria os papéis do serviço e de cada município")


def _extension_members(conn: psycopg.Connection) -> set[tuple[str, str]]:
    rows = conn.execute("SELECT n.nspname, c.relname FROM pg_depend d "
                        "JOIN pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE d.deptype = 'e'")
    return {(schema, name) for schema, name in rows}


def _keep_entry(line: str, members: set[tuple[str, str]]) -> bool:
    """Leave out what `sig bootstrap-db` made and only a superuser may touch."""
    if re.search(r"\d+ (EXTENSION|COMMENT - EXTENSION) ", line):
        return False
    for schema, name in members:
        if re.search(rf"\d+ (TABLE DATA|ACL) {re.escape(schema)} (TABLE )?{re.escape(name)} ",
                     line):
            return False
    return True


def _restore_line(line: str) -> str | None:
    match = re.search(r'processing data for table "([^"]+)"', line)
    return f"a restaurar {match[1]}" if match else None


def _verify(path: Path, counts: dict[str, int], progress: Progress) -> bool:
    manifest = manifest_path(path)
    if not manifest.is_file():
        progress(f"sem {manifest.name}: contagens não verificadas")
        return False
    expected = json.loads(manifest.read_text(encoding="utf-8"))["tables"]
    differences = [f"{t}: {expected.get(t)} na cópia, {counts.get(t)} restauradas"
                   for t in sorted(set(expected) | set(counts)) if expected.get(t) != counts.get(t)]
    if differences:
        raise BackupError("restauro diferente da cópia:\n  " + "\n  ".join(differences))
    return True


_ACL_KINDS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}


def default_privileges_reset(conn: psycopg.Connection) -> str:
    """SQL that drops the owner's default privileges for the restore's duration.

    Objects must come back with exactly the rights they had: the archive grants them on top
    of the bare defaults, and restores the default privileges themselves at its end.
    """
    rows = conn.execute(
        "SELECT n.nspname, d.defaclobjtype, d.defaclacl::text[] FROM pg_default_acl d "
        "LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
        "WHERE d.defaclrole = current_user::regrole").fetchall()
    statements = []
    for schema, kind, acl in rows:
        where = sql.SQL(" IN SCHEMA {}").format(sql.Identifier(schema)) if schema else sql.SQL("")
        for grantee in {item.split("=")[0] for item in acl} - {conn.info.user}:
            role = sql.Identifier(grantee) if grantee else sql.SQL("PUBLIC")
            statements.append(sql.SQL("ALTER DEFAULT PRIVILEGES{} REVOKE ALL ON {} FROM {};")
                              .format(where, sql.SQL(_ACL_KINDS[kind]), role).as_string(conn))
    return "\n".join(statements)


def _prepare_restore(path: Path, url: str, settings: Settings,
                     progress: Progress) -> tuple[Path, str]:
    """Checks before touching anything: the archive entries to restore and the prologue."""
    tool = pg_tool("pg_restore", settings)
    toc = _toc(tool, path)
    with connect(url, autocommit=True, application_name="sig-restore") as conn:
        _require_empty(conn)
        _require_extensions(conn, _extensions(toc), settings)
        _require_roles(conn, tool, path)
        members = _extension_members(conn)
        prologue = default_privileges_reset(conn)
    handle, name = tempfile.mkstemp(prefix="sig-restore-", suffix=".list")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(line for line in toc if _keep_entry(line, members)) + "\n")
    entries = Path(name)
    progress(f"restauro de {path.name} para {describe(url)}")
    return entries, prologue


def _load(path: Path, url: str, entries: Path, prologue: str, settings: Settings,
          progress: Progress) -> None:
    """pg_restore writes SQL, psql runs it with the prologue in one transaction."""
    reader = subprocess.Popen(
        [pg_tool("pg_restore", settings), "--file=-", "--no-owner", "--verbose",
         f"--use-list={entries}", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    psql = [pg_tool("psql", settings), "-X", "-q", "-v", "ON_ERROR_STOP=1",
            "--single-transaction", "--no-password", f"--dbname={_libpq_url(url)}"]
    psql += ["-c", prologue] if prologue else []
    # Restored objects belong to the restoring role: the audit log goes back to sig_audit.
    writer = subprocess.Popen([*psql, "-f", "-", "-c", AUDIT_OWNER_SQL], stdin=reader.stdout,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()
    for raw in reader.stderr:
        message = _restore_line(raw.decode(errors="replace"))
        if message:
            progress(message)
    failure = writer.communicate()[1].decode(errors="replace").strip()
    if writer.returncode != 0 or reader.wait() != 0:
        detail = "\n".join(failure.splitlines()[-5:]) or f"pg_restore: código {reader.returncode}"
        raise BackupError(f"restauro anulado, a base de dados ficou como estava:\n{detail}")


def restore(path: Path, progress: Progress = print,
            settings: Settings | None = None) -> RestoreResult:
    """Restore `path` into the (empty) service database, all or nothing, then verify."""
    settings = settings or get_settings()
    start = time.monotonic()
    if not path.is_file():
        raise BackupError(f"ficheiro não encontrado: {path}")
    url = settings.database_owner_url
    entries, prologue = _prepare_restore(path, url, settings, progress)
    try:
        _load(path, url, entries, prologue, settings, progress)
    finally:
        entries.unlink(missing_ok=True)
    with connect(url, autocommit=True, application_name="sig-restore") as conn:
        progress("a atualizar estatísticas (ANALYZE)")
        conn.execute("ANALYZE")
        counts = table_counts(conn)
    verified = _verify(path, counts, progress)
    return RestoreResult(counts, verified, time.monotonic() - start)
