"""Tiles that follow edits: clear the cached tiles over the extents a commit touched.

The database records every committed change of a theme table in `maps.dirty_extent`
(trigger `t95_tiles_*`) and notifies channel `sig_tiles` at commit. A background thread in
each service process listens, claims rows (`FOR UPDATE SKIP LOCKED`: each row is handled by
one process), removes the tiles of every cache that draws that table over the old and new
geometry, and deletes the rows in the same transaction — a crash leaves them for the next
try. It also polls every few seconds, so a missed notification costs seconds, not staleness.
Channel `sig_maps_config` (a raster import) makes the process rewrite its runtime files.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sig.derive.mapfile import GROUP_TABLES
from sig.maps import tiles

log = logging.getLogger("sig.maps.freshness")

CHANNEL = "sig_tiles"
CONFIG_CHANNEL = "sig_maps_config"
POLL_SECONDS = 2.0
MISSING_SCHEMA_WAIT = 300.0
BATCH = 500

CLAIM = ("DELETE FROM maps.dirty_extent WHERE id IN (SELECT id FROM maps.dirty_extent "
         "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) "
         "RETURNING id, table_name, minx, miny, maxx, maxy")


@dataclass(frozen=True)
class DirtyExtent:
    id: int
    table: str
    bbox: tiles.BBox | None  # None: the whole layer (TRUNCATE)


def claim(conn, limit: int = BATCH) -> list[DirtyExtent]:
    """Take (and delete, within the caller's transaction) up to `limit` dirty extents."""
    rows = conn.execute(CLAIM, (limit,)).fetchall()
    return [DirtyExtent(r[0], r[1], None if r[2] is None else (r[2], r[3], r[4], r[5]))
            for r in rows]


def tables_by_cache(conf: dict) -> dict[str, set[str]]:
    """Database tables each MapProxy cache draws (from its MapServer sources' layers)."""
    result: dict[str, set[str]] = {}
    for name, cache in conf.get("caches", {}).items():
        tables: set[str] = set()
        for source_name in cache.get("sources", []):
            source = conf["sources"].get(source_name, {})
            if source.get("type") != "mapserver":
                continue
            for layer in str(source["req"].get("layers", "")).split(","):
                tables |= GROUP_TABLES.get(layer, {layer})
        result[name] = tables
    return result


class CacheIndex:
    """The service's MapProxy configuration, reloaded when its file changes."""

    def __init__(self, path: Path):
        self.path = path
        self._mtime = 0.0
        self._proxy = None
        self._tables: dict[str, set[str]] = {}

    def _load(self) -> None:
        import yaml
        from mapproxy.config.loader import load_configuration

        from sig.maps.mapserver import register_source

        register_source()
        mtime = self.path.stat().st_mtime
        self._proxy = load_configuration(str(self.path))
        self._tables = tables_by_cache(yaml.safe_load(self.path.read_text(encoding="utf-8")))
        self._mtime = mtime

    def refresh(self) -> None:
        if self._proxy is None or self.path.stat().st_mtime != self._mtime:
            self._load()

    def managers_for(self, table: str) -> list:
        self.refresh()
        names = [name for name, drawn in self._tables.items() if table in drawn]
        return [m for name in names for m in tiles.tile_managers(self._proxy, name)]


def clear(index: CacheIndex, extents: list[DirtyExtent]) -> int:
    """Remove the stale tiles of every extent; returns the number of tiles removed."""
    removed = 0
    for extent in extents:
        for manager in index.managers_for(extent.table):
            if extent.bbox is None:
                tiles.clear_all(manager)
            else:
                removed += tiles.clear_extent(manager, extent.bbox)
    return removed


def process_pending(conn, index: CacheIndex) -> int:
    """Claim and clear until nothing is pending; returns the extents handled."""
    handled = 0
    while True:
        with conn.transaction():
            extents = claim(conn)
            if not extents:
                return handled
            removed = clear(index, extents)
        handled += len(extents)
        log.info("teselas desatualizadas removidas: %s (%s zonas alteradas)", removed,
                 len(extents))


class FreshnessWorker(threading.Thread):
    """Background thread: LISTEN, claim, clear; reconnects after errors."""

    def __init__(self, config_path: Path, on_config: Callable[[str], None] | None = None):
        super().__init__(name="sig-tiles-freshness", daemon=True)
        self.index = CacheIndex(config_path)
        self.on_config = on_config
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self._serve()
            except Exception:  # the database went away, a cache failed: retry later
                log.exception("falha a atualizar as teselas; nova tentativa dentro de 5 s")
                self._stop.wait(5)

    def _serve(self) -> None:
        from sig.db.connect import connect_as

        with connect_as("app", autocommit=True, application_name="sig tiles") as conn:
            table = conn.execute("SELECT to_regclass('maps.dirty_extent')").fetchone()
            if table is None or table[0] is None:
                log.warning("tabela maps.dirty_extent em falta (corra `sig migrate`); "
                            "as teselas não acompanham as edições")
                self._stop.wait(MISSING_SCHEMA_WAIT)
                return
            conn.execute(f"LISTEN {CHANNEL}")
            conn.execute(f"LISTEN {CONFIG_CHANNEL}")
            process_pending(conn, self.index)
            while not self._stop.is_set():
                self._wait(conn)
                process_pending(conn, self.index)

    def _wait(self, conn) -> None:
        deadline = time.monotonic() + POLL_SECONDS
        for notice in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
            if notice.channel == CONFIG_CHANNEL and self.on_config:
                self.on_config(notice.payload)
            if time.monotonic() >= deadline:
                break
