"""Maps rendered without cache, not failing, when the tile cache disk is full (real MapProxy,
then the whole service)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import yaml
from mapproxy.wsgiapp import make_wsgi_app

from sig.maps.fallback import UncachedFallback, uncached_config
from tests.conftest import fill
from tests.maps.conftest import serving
from tests.maps.test_service import drawn_pixels, feature_in, pttm06_tile

TILE = "/wmts/teste/GLOBAL_WEBMERCATOR/14/7983/6242.png"


def _config(cache_dir: Path) -> dict:
    return {
        "services": {"wmts": {"restful": True, "kvp": True}},
        "layers": [{"name": "teste", "title": "Teste", "sources": ["teste_cache"]}],
        "caches": {"teste_cache": {"grids": ["GLOBAL_WEBMERCATOR"], "sources": ["depuracao"],
                                   "meta_size": [2, 2],
                                   "cache": {"type": "file", "directory_layout": "tms"}}},
        "sources": {"depuracao": {"type": "debug"}},
        "globals": {"cache": {"base_dir": str(cache_dir),
                              "lock_dir": str(cache_dir / "locks")}},
    }


def _get(app, path: str = TILE) -> tuple[str, dict, bytes]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SCRIPT_NAME": "/maps", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
               "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "wsgi.errors": io.StringIO()}
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def apps(tmp_path):
    def build(cache_dir: Path) -> tuple[object, UncachedFallback]:
        source, uncached = tmp_path / "mapproxy.yaml", tmp_path / "mapproxy-uncached.yaml"
        source.write_text(yaml.safe_dump(_config(cache_dir)))
        uncached.write_text(yaml.safe_dump(uncached_config(_config(cache_dir),
                                                           tmp_path / "locks-uncached")))
        cached = make_wsgi_app(str(source))
        return cached, UncachedFallback(cached, lambda: make_wsgi_app(str(uncached)), cache_dir)
    return build


def _stored(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.png")]


def test_full_disk_renders_without_cache_instead_of_failing(apps, full_tmpfs):
    cache_dir = full_tmpfs / "cache"
    cached, fallback = apps(cache_dir)
    assert _get(cached)[0].startswith("500"), "MapProxy alone fails on a full disk"
    status, headers, body = _get(fallback)
    assert status.startswith("200")
    assert headers["Content-type"] == "image/png" and body.startswith(b"\x89PNG")
    assert _stored(cache_dir) == []
    assert _get(fallback)[0].startswith("200")


def test_writable_cache_stores_tiles(apps, tmp_path):
    cache_dir = tmp_path / "cache"
    _, fallback = apps(cache_dir)
    status, _, body = _get(fallback)
    assert status.startswith("200") and body.startswith(b"\x89PNG")
    assert _stored(cache_dir), "the cached application must have stored the tile"
    assert fallback._uncached is None


def test_uncached_config_disables_storage_and_moves_locks(tmp_path):
    result = uncached_config(_config(tmp_path / "cache"), tmp_path / "l")
    assert result["caches"]["teste_cache"]["disable_storage"] is True
    assert result["globals"]["cache"]["lock_dir"] == str(tmp_path / "l")
    assert result["globals"]["cache"]["tile_lock_dir"] == str(tmp_path / "l")
    assert "disable_storage" not in _config(tmp_path)["caches"]["teste_cache"]


def test_service_on_a_full_cache_disk_serves_maps_and_recovers(demo, maps_env, small_tmpfs,
                                                                 tmp_path, reader):
    folders = {"SIG_CACHE_DIR": small_tmpfs, "SIG_RUN_DIR": tmp_path / "run",
               "SIG_RASTER_DIR": tmp_path / "rasters"}
    env = dict(maps_env, **{name: str(path) for name, path in folders.items()})
    _, x, y = feature_in(reader, "equipamentos")
    col, row = pttm06_tile(x, y, 12)
    with serving(env, folders, workers=1) as server:
        tile = f"/maps/wmts/equipamentos/PTTM06/12/{col}/{row}.png"
        before = _stored(small_tmpfs)  # legends drawn at start
        filler = fill(small_tmpfs)
        for _ in range(2):  # not in the cache: rendered every time, never stored
            status, content_type, body = server.get(tile)
            assert (status, content_type) == (200, "image/png") and drawn_pixels(body) > 20
        assert _stored(small_tmpfs) == before
        filler.unlink()
        time.sleep(6)  # the cache folder is probed again every 5 s
        assert server.get(tile)[0] == 200
        assert len(_stored(small_tmpfs)) > len(before), "tiles stored again once there is room"
