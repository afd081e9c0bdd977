"""Tiles that follow edits: clear the cached tiles over the extents a commit touched.

The database records every committed change of a theme table in `maps.dirty_extent`
(trigger `t95_tiles_*`) and notifies channel `sig_tiles` at commit. A background thread in
each service process listens, claims rows (`FOR UPDATE SKIP LOCKED`: each row is handled by
one process), removes the tiles of every cache that draws that table over the old and new
geometry, and deletes the rows in the same transaction — a crash leaves them for the next
try. It also polls every few seconds, so a missed notification costs seconds, not staleness.
Channel `sig_maps_config` (a raster import) makes the process rewrite its runtime files from
the database.

Any database login can NOTIFY any channel, so a notification is only a hint: its payload must
be a known table (`sig_tiles`) or a raster layer name (`sig_maps_config`), anything else is
ignored and logged; what is cleared comes only from `maps.dirty_extent` and the runtime files
only from the database; and work is throttled — dirty extents are claimed at most every
TILES_MIN_SECONDS and the configuration rewritten at most every CONFIG_MIN_SECONDS, a burst of
notifications coalescing into one run at the end of the window.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sig.maps import tiles
from sig.maps.rasters import CONFIG_CHANNEL
from sig.maps.rasters import NAME as LAYER_NAME  # what a sig_maps_config notification carries
from sig.maps.vocabulary import LAYER_TABLES

log = logging.getLogger("sig.maps.freshness")

CHANNEL = "sig_tiles"
POLL_SECONDS = 2.0
MISSING_SCHEMA_WAIT = 300.0
BATCH = 500
# Shortest time between two claims of dirty extents prompted by notifications.
TILES_MIN_SECONDS = 0.25
# Shortest time between two rewrites of the runtime configuration.
CONFIG_MIN_SECONDS = 5.0
# Ignored notifications are logged at most this often (with their count).
IGNORED_LOG_SECONDS = 60.0
# Reasons (layer names) kept for the log line of one coalesced run.
MAX_REASONS = 10

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
                tables |= LAYER_TABLES.get(layer, {layer})
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

    def tables(self) -> frozenset[str]:
        """Every table some cache draws."""
        self.refresh()
        return frozenset().union(*self._tables.values())

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


@dataclass
class Throttle:
    """At most one run per `interval` seconds; requests inside the window wait for its end and
    coalesce into that one run."""

    interval: float
    last: float = -math.inf
    reasons: set[str] = field(default_factory=set)
    pending: bool = False

    def request(self, reason: str = "") -> None:
        self.pending = True
        if reason and len(self.reasons) < MAX_REASONS:
            self.reasons.add(reason)

    def next_run(self) -> float:
        """When the pending request may run (inf when nothing is pending)."""
        return self.last + self.interval if self.pending else math.inf

    def take(self, now: float) -> set[str] | None:
        """The coalesced reasons when a run is due now (and the window restarts), else None."""
        if not self.pending or now < self.next_run():
            return None
        reasons, self.reasons, self.pending, self.last = self.reasons, set(), False, now
        return reasons


class IgnoredLog:
    """Counts ignored notifications; logs them at most every IGNORED_LOG_SECONDS."""

    def __init__(self, every: float = IGNORED_LOG_SECONDS):
        self.every, self.count, self.logged, self.sample = every, 0, -math.inf, ""

    def add(self, channel: str, payload: str, now: float) -> None:
        self.count += 1
        self.sample = self.sample or f"{channel} {payload[:60]!r}"
        if now - self.logged >= self.every:
            log.warning("notificações ignoradas: %s (conteúdo não reconhecido, p. ex. %s)",
                        self.count, self.sample)
            self.count, self.logged, self.sample = 0, now, ""


class FreshnessWorker(threading.Thread):
    """Background thread: LISTEN, check, throttle, claim, clear; reconnects after errors.

    `counts` records what it did: tiles (claims), config (rewrites), ignored (notifications).
    """

    def __init__(self, config_path: Path, on_config: Callable[[str], None] | None = None,
                 tiles_interval: float = TILES_MIN_SECONDS,
                 config_interval: float = CONFIG_MIN_SECONDS):
        super().__init__(name="sig-tiles-freshness", daemon=True)
        self.index = CacheIndex(config_path)
        self.on_config = on_config
        self.tiles = Throttle(tiles_interval)
        self.config = Throttle(config_interval)
        self.ignored = IgnoredLog()
        self.counts: Counter[str] = Counter()
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
            self.tiles.request()
            while not self._stop.is_set():
                self._act(conn)
                self._wait(conn)

    def _act(self, conn) -> None:
        now = time.monotonic()
        reasons = self.config.take(now)
        if reasons is not None and self.on_config:
            self.counts["config"] += 1
            self.on_config(", ".join(sorted(reasons)))
        if self.tiles.take(now) is not None:
            self.counts["tiles"] += 1
            process_pending(conn, self.index)

    def _wait(self, conn) -> None:
        """Read notifications until something is due, or the next poll."""
        poll = time.monotonic() + POLL_SECONDS
        while not self._stop.is_set():
            now = time.monotonic()
            until = min(poll, self.tiles.next_run(), self.config.next_run())
            if until <= now:
                break
            for notice in conn.notifies(timeout=until - now, stop_after=1):
                self.hint(notice.channel, notice.payload)
        if time.monotonic() >= poll:
            self.tiles.request()

    def hint(self, channel: str, payload: str) -> None:
        """A notification: a request to the matching throttle when its payload is known."""
        if channel == CHANNEL and payload in self.known_tables():
            self.tiles.request()
        elif channel == CONFIG_CHANNEL and LAYER_NAME.fullmatch(payload):
            self.config.request(payload)
        else:
            self.counts["ignored"] += 1
            self.ignored.add(channel, payload, time.monotonic())

    def known_tables(self) -> frozenset[str]:
        """Tables whose commits notify: the registry's themes and what the caches draw."""
        from sig.registry import get_registry

        return frozenset(theme.table for theme in get_registry()) | self.index.tables()
