"""Hostile requests: coordinates far outside their CRS, credentials over plain HTTP, and forged
notifications from a plain database login. Each runs against the real service code, the real
PostGIS and the real MapProxy/MapServer; maps path variants are in tests/maps/test_service.py,
editing boxes in tests/editing/test_bad_input.py."""

from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import quote

import psycopg
import pytest
from django.test import Client

from sig.conf import get_settings, load_settings, with_user

ITEMS = "/ogcapi/collections/iluminacao_publica/items"
FAR_POLYGON = "POLYGON((-5e8 -5e8,5e8 -5e8,5e8 5e8,-5e8 5e8,-5e8 -5e8))"


def cql2_json(literal: dict) -> str:
    return quote(json.dumps({"op": "s_intersects", "args": [{"property": "geometry"}, literal]}))


# --- coordinates bounded by the area of use of their CRS -------------------------------------

OUTSIDE = {
    "bbox in PT-TM06": ("bbox=-5e8,-5e8,5e8,5e8&bbox-crs=EPSG:3763", "bbox"),
    "bbox in Web Mercator": ("bbox=-3e7,-3e7,3e7,3e7&bbox-crs=EPSG:3857", "bbox"),
    "bbox in EPSG:4326, latitude first": ("bbox=-95,-9,95,-8&bbox-crs=EPSG:4326", "bbox"),
    "CQL2 text polygon": (f"filter=S_INTERSECTS(geometry,{FAR_POLYGON})"
                          "&filter-crs=EPSG:3763", "filter"),
    "CQL2 text BBOX": ("filter=S_INTERSECTS(geometry,BBOX(-3e7,-3e7,3e7,3e7))"
                       "&filter-crs=EPSG:3857", "filter"),
    "CQL2 text point, latitude first": ("filter=S_WITHIN(geometry,POINT(95 -9))"
                                        "&filter-crs=EPSG:4326", "filter"),
    "CQL2 JSON bbox": ("filter-lang=cql2-json&filter-crs=EPSG:3763&filter="
                       + cql2_json({"bbox": [-5e8, -5e8, 5e8, 5e8]}), "filter"),
    "CQL2 JSON polygon": ("filter-lang=cql2-json&filter-crs=EPSG:3857&filter=" + cql2_json(
        {"type": "Polygon", "coordinates": [[[-3e7, -3e7], [3e7, -3e7], [3e7, 3e7],
                                             [-3e7, -3e7]]]}), "filter"),
}


@pytest.mark.parametrize("case", OUTSIDE)
def test_coordinates_outside_the_area_of_use_of_their_crs_are_400(demo, case):
    query, parameter = OUTSIDE[case]
    response = Client().get(f"{ITEMS}?{query}")
    assert response.status_code == 400, response.content[:300]
    body = json.loads(response.content)
    assert body["code"] == "InvalidParameterValue"
    assert body["description"].startswith(f"{parameter}:") and "área de uso" in body["description"]


@pytest.mark.parametrize("query", [
    "bbox=-1000000,4700000,-900000,4900000&bbox-crs=EPSG:3857",  # Leiria in Web Mercator
    "bbox=-180,-90,180,90",  # the whole world in CRS84
    "filter=S_INTERSECTS(geometry,BBOX(-70000,0,-50000,20000))&filter-crs=EPSG:3763",
    "filter=S_INTERSECTS(geometry,BBOX(39.5,-9,40,-8.5))&filter-crs=EPSG:4326",
])
def test_coordinates_inside_the_area_of_use_are_answered(demo, query):
    response = Client().get(f"{ITEMS}?{query}&limit=1")
    assert response.status_code == 200, response.content[:300]


# --- credentials only over HTTPS in production ------------------------------------------------

API = "/editor/api/collections/equipamentos/items"
CREDENTIALS = {
    "Basic": "Basic " + base64.b64encode(b"ana:sig_token").decode(),
    "Bearer": "Bearer sig_token",
    "Token": "Token sig_token",
}


@pytest.fixture
def production(settings):
    """The production switches of sig.settings (SIG_ENV=production), no TLS proxy."""
    settings.SIG_PRODUCTION = True
    settings.SECURE_PROXY_SSL_HEADER = None
    return settings


def refused(response) -> bool:
    return response.status_code == 403 and "sem cifra" in response.content.decode()


@pytest.mark.parametrize("scheme", CREDENTIALS)
def test_an_authorization_header_over_plain_http_is_refused(production, scheme):
    response = Client().get(API, HTTP_AUTHORIZATION=CREDENTIALS[scheme],
                            HTTP_ACCEPT="application/json")
    assert refused(response)
    assert json.loads(response.content)["code"] == "Forbidden"


def test_a_session_cookie_or_a_sign_in_over_plain_http_is_refused(production):
    client = Client()
    client.cookies[production.SESSION_COOKIE_NAME] = "qualquer"
    assert refused(client.get("/editor/"))
    assert refused(Client().post("/editor/entrar/", {"username": "ana", "password": "x"}))


def write(**headers):
    """A feature sent to the editing API (which checks the credentials first)."""
    return Client().post(API, data="{}", content_type="application/geo+json", **headers)


def test_forwarded_proto_is_believed_only_behind_the_tls_proxy(production, db):
    https = {"HTTP_AUTHORIZATION": CREDENTIALS["Bearer"], "HTTP_X_FORWARDED_PROTO": "https"}
    assert refused(write(**https))
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert write(**https).status_code == 401  # let through, and the token is unknown
    assert refused(write(**https | {"HTTP_X_FORWARDED_PROTO": "http"}))


def test_https_and_anonymous_requests_pass(production, db, demo):
    assert write(HTTP_AUTHORIZATION=CREDENTIALS["Token"], secure=True).status_code == 401
    assert Client().get(f"{ITEMS}?limit=1").status_code == 200
    assert Client().get("/healthz").status_code == 200


# --- forged notifications from a plain login --------------------------------------------------

LEVEL = 9
LEIRIA = (-57826.0, 9015.0)
WINDOW = 3.0  # the reconfiguration window of the worker under test (seconds)


def wsgi_get(app, path: str) -> str:
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = status

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.url_scheme": "http",
               "SCRIPT_NAME": "/maps", "HTTP_HOST": "127.0.0.1"}
    b"".join(app(environ, start_response))
    return answer["status"]


@pytest.fixture
def maps_runtime(monkeypatch, tmp_path, demo):
    """This process's maps runtime in temporary folders (file cache), MapServer per call."""
    from mapproxy.wsgiapp import make_wsgi_app

    from sig.maps import mapserver, runtime
    from sig.maps.wsgi import MapsApp

    for name in ("SIG_RUN_DIR", "SIG_CACHE_DIR", "SIG_RASTER_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    maps = runtime.prepare(load_settings())
    mapserver.configure(mapserver.MapServerRunner(maps.mapserv_bin, maps.mapserver_env()))
    mapserver.register_source()
    yield maps, MapsApp(make_wsgi_app(str(maps.mapproxy_config)), maps.mapproxy_config)
    mapserver.configure(None)


@pytest.fixture
def cached_tile(maps_runtime, app):
    """A cached PT-TM06 tile of the boundaries over Leiria, with nothing pending to clear."""
    from sig.maps.freshness import CacheIndex, process_pending
    from sig.tilegrid import PTTM06

    maps, service = maps_runtime
    index = CacheIndex(maps.mapproxy_config)
    app.autocommit = True
    process_pending(app, index)  # extents left by earlier tests are not this test's business
    span = PTTM06.tile_span(LEVEL)
    col = int((LEIRIA[0] - PTTM06.origin_x) // span)
    row = int((PTTM06.origin_y - LEIRIA[1]) // span)
    status = wsgi_get(service, f"/wmts/limites_administrativos/PTTM06/{LEVEL}/{col}/{row}.png")
    assert status.startswith("200")
    manager = next(m for m in index.managers_for("municipio")
                   if m.grid.name == "PTTM06" and "limites" in m.identifier)
    coord = manager.grid.limit_tile((col, row, LEVEL))
    assert manager.is_cached(coord)
    return maps, manager, coord


def flood(login: str, rounds: int) -> float:
    """NOTIFY both channels from `login`, one transaction each; returns the seconds taken."""
    started = time.monotonic()
    url = with_user(get_settings().database_url, login)
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(rounds):
            conn.execute("SELECT pg_notify('sig_tiles', 'municipio')")
            conn.execute("SELECT pg_notify('sig_maps_config', %s)", (f"camada_{i}",))
            conn.execute("SELECT pg_notify('sig_tiles', %s)", ("../" * 10 + str(i),))
            conn.execute("SELECT pg_notify('sig_maps_config', %s)", (f"x; DROP TABLE t\n{i}",))
    return time.monotonic() - started


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_forged_notifications_coalesce_and_clear_nothing_the_database_does_not_list(
        cached_tile, editor_login):
    from sig.maps import runtime
    from sig.maps.freshness import TILES_MIN_SECONDS, FreshnessWorker

    maps, manager, coord = cached_tile
    rereads: list[tuple[float, str]] = []
    lock = threading.Lock()

    def reconfigure(reason: str) -> None:  # what the service does: re-read the database
        runtime.prepare(load_settings())
        with lock:
            rereads.append((time.monotonic(), reason))

    worker = FreshnessWorker(maps.mapproxy_config, on_config=reconfigure, config_interval=WINDOW)
    worker.start()
    try:
        assert wait_for(lambda: worker.counts["tiles"] >= 1, 15), "the worker did not listen"
        claims_before, started = worker.counts["tiles"], time.monotonic()
        seconds = flood(editor_login, 150)
        assert wait_for(lambda: worker.counts["ignored"] >= 300, 15)
        claims = worker.counts["tiles"] - claims_before
        assert claims <= (time.monotonic() - started) / TILES_MIN_SECONDS + 2, claims
        assert seconds < WINDOW, "the flood must fit in one window for this test"
        with lock:
            in_window = [at for at, _ in rereads if at < started + WINDOW]
        assert len(in_window) <= 1, rereads
        time.sleep(WINDOW + 1.5)
        with lock:
            assert 1 <= len(rereads) <= 2, rereads  # the burst's last hints: one more run
            assert all("DROP" not in reason for _, reason in rereads)
    finally:
        worker.stop()
        worker.join(10)
    assert manager.is_cached(coord), "a forged notification cleared a tile"
