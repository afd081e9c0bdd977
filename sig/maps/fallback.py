"""Maps keep working when the tile cache cannot be written (disk full, read-only volume).

MapProxy answers 500 when it cannot store a tile or take a tile lock in its cache folder.
`UncachedFallback` wraps the cached MapProxy application: while the cache folder refuses a
write, requests go to a second MapProxy built from the same configuration with storage
disabled and locks in the runtime folder (`uncached_config`, written beside the main file by
`sig.maps.runtime.prepare`), so maps are rendered on every request instead of failing.
Tiles already in the cache are still read first (`sig.maps.fasttiles`).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from sig.maps.guard import call_holding_server_error
from sig.ops.health import write_error

log = logging.getLogger(__name__)

WSGIApp = Callable[..., Iterable[bytes]]


def uncached_config(config: dict, lock_dir: Path) -> dict:
    """A copy of a MapProxy configuration that never stores tiles nor locks in the cache."""
    result = copy.deepcopy(config)
    for cache in (result.get("caches") or {}).values():
        cache["disable_storage"] = True
    cache_globals = result.setdefault("globals", {}).setdefault("cache", {})
    cache_globals["lock_dir"] = str(lock_dir)
    cache_globals["tile_lock_dir"] = str(lock_dir)
    return result


def cache_writable(folder: Path) -> bool:
    """Whether a new file can be written and synced in `folder`."""
    return write_error(folder, ".probe-") is None


class UncachedFallback:
    """WSGI: the cached MapProxy, or an uncached one while the cache cannot be written."""

    def __init__(self, cached: WSGIApp, make_uncached: Callable[[], WSGIApp], cache_dir: Path,
                 recheck_seconds: float = 5.0):
        self.cached, self.make_uncached, self.cache_dir = cached, make_uncached, cache_dir
        self.recheck_seconds = recheck_seconds
        self._uncached: WSGIApp | None = None
        self._state = (0.0, True)  # (checked at, writable)
        self._lock = threading.Lock()

    def writable(self, fresh: bool = False) -> bool:
        """The cache folder's state, probed at most every `recheck_seconds`."""
        with self._lock:
            checked, state = self._state
            if fresh or time.monotonic() - checked > self.recheck_seconds:
                state = cache_writable(self.cache_dir)
                if not state and self._state[1]:
                    log.warning("cache de mosaicos sem escrita em %s: mapas sem cache",
                                self.cache_dir)
                self._state = (time.monotonic(), state)
            return state

    def uncached(self) -> WSGIApp:
        with self._lock:
            if self._uncached is None:
                self._uncached = self.make_uncached()
            return self._uncached

    def __call__(self, environ, start_response):
        if not self.writable():
            return self.uncached()(environ, start_response)
        body, error = call_holding_server_error(self.cached, environ, start_response)
        if error is None:
            return body
        if not self.writable(fresh=True):
            return self.uncached()(environ, start_response)
        status, headers, content = error
        start_response(status, headers)
        return [content]
