"""The GeoPackage tile cache (SIG_MAPS_CACHE=geopackage): tiles are stored in it and an edit's
extent clears them, like the default file cache."""

from __future__ import annotations

import io
import sys

import pytest

from sig.conf import load_settings
from sig.maps import mapserver, runtime
from sig.maps.freshness import CacheIndex, DirtyExtent, clear
from sig.tilegrid import PTTM06

POINT = (-57826.0, 9015.0)  # Leiria castle
LEVEL = 9


def request(app, path: str) -> tuple[str, bytes]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "SCRIPT_NAME": "/maps", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr}
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = status

    body = b"".join(app(environ, start_response))
    return answer["status"], body


@pytest.fixture
def geopackage_service(monkeypatch, tmp_path, caop):
    from mapproxy.wsgiapp import make_wsgi_app

    from sig.maps.wsgi import MapsApp

    for name, value in (("SIG_RUN_DIR", tmp_path / "run"), ("SIG_CACHE_DIR", tmp_path / "cache"),
                        ("SIG_RASTER_DIR", tmp_path / "r"), ("SIG_MAPS_CACHE", "geopackage")):
        monkeypatch.setenv(name, str(value))
    maps = runtime.prepare(load_settings())
    mapserver.configure(mapserver.MapServerRunner(maps.mapserv_bin, maps.mapserver_env()))
    mapserver.register_source()
    yield maps, MapsApp(make_wsgi_app(str(maps.mapproxy_config)), maps.mapproxy_config)
    mapserver.configure(None)  # back to the default runner


def test_geopackage_cache_stores_and_clears(geopackage_service):
    maps, app = geopackage_service
    span = PTTM06.tile_span(LEVEL)
    col = int((POINT[0] - PTTM06.origin_x) // span)
    row = int((PTTM06.origin_y - POINT[1]) // span)
    status, body = request(app, f"/wmts/limites_administrativos/PTTM06/{LEVEL}/{col}/{row}.png")
    assert status.startswith("200") and body[:4] == b"\x89PNG"
    files = list(maps.cache_dir.glob("limites_administrativos_cache*.gpkg"))
    assert files, "tiles went to a GeoPackage"
    index = CacheIndex(maps.mapproxy_config)
    managers = [m for m in index.managers_for("municipio") if m.grid.name == "PTTM06"
                and "limites" in m.identifier]
    manager = managers[0]
    coord = manager.grid.limit_tile((col, row, LEVEL))
    assert manager.is_cached(coord)
    clear(index, [DirtyExtent(1, "municipio", (*POINT, *POINT))])
    assert not manager.is_cached(coord)
