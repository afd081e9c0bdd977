"""Long-lived MapServer: FastCGI pool (restarted when a process dies), CGI fallback, and the
MapServer config file that lets it open only the service's mapfiles."""

from __future__ import annotations

import os
import signal
import time
from urllib.parse import urlencode

import pytest

from sig.conf import load_settings
from sig.maps import fastcgi, runtime
from sig.maps.mapserver import MapServerPool, MapServerRunner

GETMAP = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": "equipamentos",
          "STYLES": "", "CRS": "EPSG:3763", "BBOX": "-62000,27000,-60000,29000",
          "WIDTH": "256", "HEIGHT": "256", "FORMAT": "image/png", "TRANSPARENT": "TRUE"}


@pytest.fixture(scope="module")
def maps(tmp_path_factory, caop):
    tmp = tmp_path_factory.mktemp("mapserver")
    settings = load_settings()
    settings = type(settings)(**{**settings.__dict__, "run_dir": tmp / "run",
                                 "cache_dir": tmp / "cache", "raster_dir": tmp / "r"})
    return runtime.prepare(settings)


def query(maps, **changes) -> str:
    return urlencode({"map": str(runtime.MAPFILE), **GETMAP, **changes})


@pytest.fixture
def pool(maps):
    started = MapServerPool(maps.mapserv_bin, maps.mapserver_env(), 2).start()
    yield started
    started.stop()


def test_the_pool_draws_and_survives_a_killed_process(maps, pool):
    runner = MapServerRunner(maps.mapserv_bin, maps.mapserver_env(), pool)
    answer = runner.run(query(maps))
    assert answer.headers["Content-type"] == "image/png" and answer.body[:4] == b"\x89PNG"
    victim = pool.pids()[0]
    os.kill(victim, signal.SIGKILL)
    for _ in range(30):  # the supervisor notices within a second or two
        if victim not in pool.pids() and len(pool.pids()) == 2:
            break
        time.sleep(0.2)
    assert victim not in pool.pids() and len(pool.pids()) == 2
    assert runner.run(query(maps)).body[:4] == b"\x89PNG"


def test_stopping_the_pool_ends_its_processes(maps):
    pool = MapServerPool(maps.mapserv_bin, maps.mapserver_env(), 1).start()
    pid = pool.pids()[0]
    pool.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_without_a_pool_each_call_runs_mapserv(maps):
    runner = MapServerRunner(maps.mapserv_bin, maps.mapserver_env(), None)
    assert runner.run(query(maps)).body[:4] == b"\x89PNG"


def test_mapserver_opens_only_the_service_mapfiles(maps, tmp_path):
    other = tmp_path / "other.map"
    other.write_text(runtime.MAPFILE.read_text(encoding="utf-8"), encoding="utf-8")
    runner = MapServerRunner(maps.mapserv_bin, maps.mapserver_env(), None)
    answer = runner.run(urlencode({"map": str(other), **GETMAP}))
    assert b"image/png" not in answer.headers.get("Content-type", "").encode()
    assert b"PNG" not in answer.body[:8]


def test_fastcgi_records_round_trip():
    params = {"QUERY_STRING": "a=1", "LONG": "x" * 300}
    encoded = fastcgi.encode_params(params)
    assert encoded.startswith(bytes([12, 3])) and b"x" * 300 in encoded
    assert len(fastcgi.record(fastcgi.STDIN, b"abc")) % 8 == 0
    headers, body = fastcgi.split_cgi(b"Content-Type: image/png\r\nStatus: 200 OK\r\n\r\nPNG")
    assert headers == {"Content-type": "image/png", "Status": "200 OK"} and body == b"PNG"


def test_fastcgi_reports_an_absent_server_in_pt():
    with pytest.raises(fastcgi.FastCGIError, match="MapServer não respondeu"):
        fastcgi.call("\0sig-test-nobody-listens", {"QUERY_STRING": ""}, 1)
