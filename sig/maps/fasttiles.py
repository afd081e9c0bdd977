"""Cached tiles straight from the file cache, for the WMTS REST and /tiles URLs.

A cached tile is a file: going through MapProxy's request parsing and response building costs
several times more than reading it. For `/wmts/{layer}/{grid}/{z}/{x}/{y}.{ext}` and
`/tiles/…` this answers from the tile file that MapProxy's own cache object names, with
MapProxy's headers (ETag from time stamp and size, Last-Modified, Cache-Control) and its
conditional 304; anything else — a tile not cached yet, another cache backend, a coordinate
outside the grid — goes to MapProxy, which renders, stores and answers as usual.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path

from sig.http import is_fresh

TILE_URL = re.compile(r"^/(?:wmts|tiles)/([^/]+)/([^/]+)/(\d{1,2})/(\d{1,9})/(\d{1,9})\.(\w+)$")
MIME = {"png": "image/png", "jpeg": "image/jpeg"}
# MapProxy's default tile age when the configuration sets none (tiles.expires_hours).
DEFAULT_EXPIRES_HOURS = 72


class FastTiles:
    """Layer and grid → MapProxy tile manager of a file cache, from the runtime config."""

    def __init__(self, config: Path):
        self.config = config
        self.max_age = DEFAULT_EXPIRES_HOURS * 3600
        self._mtime = -1.0
        self._managers: dict[tuple[str, str], object] = {}

    def _load(self) -> None:
        import yaml
        from mapproxy.config.loader import load_configuration

        from sig.maps.seed import layer_caches
        from sig.maps.tiles import tile_managers, walkable

        mtime = self.config.stat().st_mtime
        conf = yaml.safe_load(self.config.read_text(encoding="utf-8"))
        proxy = load_configuration(str(self.config))
        managers = {}
        for layer, cache in layer_caches(conf).items():
            for manager in tile_managers(proxy, cache):
                if walkable(manager.cache):
                    managers[(layer, manager.grid.name)] = manager
        hours = (conf.get("globals", {}).get("tiles") or {}).get("expires_hours",
                                                                   DEFAULT_EXPIRES_HOURS)
        self._managers, self._mtime, self.max_age = managers, mtime, int(hours * 3600)

    def manager(self, layer: str, grid: str):
        if self.config.stat().st_mtime != self._mtime:
            self._load()
        return self._managers.get((layer, grid))

    def location(self, path: str) -> tuple[str, str] | None:
        """(file, MIME type) of a cached tile URL, or None."""
        from mapproxy.cache.tile import Tile

        match = TILE_URL.match(path)
        if not match:
            return None
        layer, grid, z, x, y, ext = match.groups()
        ext = "jpeg" if ext == "jpg" else ext
        manager = self.manager(layer, grid)
        if manager is None or ext != manager.format or ext not in MIME:
            return None
        coord = manager.grid.limit_tile((int(x), int(y), int(z)))
        if coord is None:
            return None
        return manager.cache.tile_location(Tile(coord)), MIME[ext]

    def __call__(self, environ, start_response):
        """The WSGI answer for a cached tile, or None when MapProxy must answer."""
        found = self.location(environ.get("PATH_INFO", ""))
        if found is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        filename, mime = found
        try:
            stats = os.lstat(filename)  # MapProxy dates a tile by the file (or its link)
            with open(filename, "rb") as handle:
                body = handle.read()
        except OSError:
            return None
        return self._respond(environ, start_response, body, mime, stats)

    def _respond(self, environ, start_response, body: bytes, mime: str, stats):
        etag = hashlib.md5(f"{stats.st_mtime}{stats.st_size}".encode("ascii"),
                           usedforsecurity=False).hexdigest()
        headers = [("ETag", etag), ("Last-Modified", formatdate(stats.st_mtime, usegmt=True)),
                   ("Cache-control", f"public, max-age={self.max_age}, s-maxage={self.max_age}"),
                   ("Access-Control-Allow-Origin", "*")]
        if not_modified(environ, etag, stats.st_mtime):
            start_response("304 Not Modified", headers)
            return [b""]
        start_response("200 OK", [("Content-Type", mime), ("Content-Length", str(len(body))),
                                  *headers])
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def not_modified(environ, etag: str, mtime: float) -> bool:
    return is_fresh(environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE"),
                    etag, datetime.fromtimestamp(mtime, UTC))
