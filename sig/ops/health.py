"""Readiness checks: the database, MapServer and the tile cache folder.

Plain functions, no request: `/readyz` and tests call `readiness()`. The database and MapServer
are critical (without them the service cannot answer); the tile cache is not: when it cannot
be written, maps are rendered without caching, so the service is "degraded" but still ready.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from sig.conf import BASE_DIR, Settings, get_settings
from sig.db.connect import DatabaseUnavailable, connect

MAPFILE = BASE_DIR / "data" / "mapserver" / "sig.map"


@dataclass
class Check:
    """The outcome of one check, as reported by /readyz."""

    name: str
    ok: bool
    detail: str
    critical: bool = True
    ms: float = 0.0


@dataclass
class Readiness:
    status: str  # "ok", "degraded" (a non-critical check failed) or "unavailable"
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return self.status != "unavailable"

    def as_dict(self) -> dict:
        return {"status": self.status, "checks": {c.name: _public(c) for c in self.checks}}


def _public(check: Check) -> dict:
    data = asdict(check)
    del data["name"]
    return data


def check_database(settings: Settings) -> Check:
    """A fresh connection as the role Django uses, and one query."""
    try:
        with connect(settings.url_for(settings.database_role), timeout=2,
                     application_name="sig-readyz") as conn:
            conn.execute("SET statement_timeout = 2000")
            row = conn.execute("SELECT current_setting('server_version')").fetchone()
    except DatabaseUnavailable as exc:
        return Check("database", False, str(exc))
    except Exception as exc:  # any failure means "not ready": name it
        return Check("database", False, f"erro na base de dados: {exc}")
    return Check("database", True, f"PostgreSQL {row[0] if row else '?'}")


@lru_cache(maxsize=4)
def _mapserv_version(binary: str) -> str:
    """`mapserv -v` (cached: it only has to work once per process)."""
    result = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10)
    if "MapServer version" not in result.stdout:
        raise RuntimeError(result.stderr.strip() or result.stdout.strip() or "sem resposta")
    return result.stdout.split(" OUTPUT=")[0].strip()


def check_mapserver(settings: Settings, mapfile: Path = MAPFILE) -> Check:
    """The MapServer binary runs and the mapfile is readable."""
    binary = shutil.which(settings.mapserv_bin)
    if not binary:
        return Check("mapserver", False, f"executável {settings.mapserv_bin!r} não encontrado")
    try:
        version = _mapserv_version(binary)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return Check("mapserver", False, f"{binary} não arranca: {exc}")
    if not os.access(mapfile, os.R_OK):
        return Check("mapserver", False, f"mapfile ilegível ou em falta: {mapfile.name} "
                     "(corra `sig derive`)")
    return Check("mapserver", True, f"{version}; mapfile {mapfile.name}")


def write_error(folder: Path, prefix: str) -> OSError | None:
    """Why a new file cannot be written and synced in `folder` (made if missing), or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=prefix) as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return exc
    return None


def check_cache(settings: Settings) -> Check:
    """The tile cache folder accepts a new file (not critical: maps render uncached)."""
    if settings.maps_cache not in ("file", "geopackage"):
        scheme = settings.maps_cache.split(":")[0]
        return Check("cache", True, f"cache externa ({scheme}): não verificada aqui",
                     critical=False)
    exc = write_error(settings.cache_dir, ".readyz-")
    if exc is not None:
        return Check("cache", False, f"pasta da cache sem escrita ({exc.strerror or exc}); "
                     "os mapas são desenhados sem cache", critical=False)
    return Check("cache", True, "pasta da cache com escrita", critical=False)


def _timed(check: Callable[[Settings], Check], settings: Settings) -> Check:
    start = time.perf_counter()
    result = check(settings)
    result.ms = round((time.perf_counter() - start) * 1000, 1)
    return result


CHECKS: tuple[Callable[[Settings], Check], ...] = (check_database, check_mapserver, check_cache)


def readiness(settings: Settings | None = None, checks=CHECKS) -> Readiness:
    """Run every check; unavailable when a critical one fails, degraded for the others."""
    settings = settings or get_settings()
    results = [_timed(check, settings) for check in checks]
    if any(not c.ok and c.critical for c in results):
        return Readiness("unavailable", results)
    return Readiness("degraded" if any(not c.ok for c in results) else "ok", results)
