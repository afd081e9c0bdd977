"""Request checks before MapProxy, without a server (the live ones are in test_service)."""

from __future__ import annotations

import pytest

from sig.maps.guard import Catalogue, input_error_status, problem_for

CATALOGUE = Catalogue(layers=frozenset({"equipamentos", "mapa_base"}),
                      srs=frozenset({"EPSG:3763", "EPSG:3857", "EPSG:4326", "CRS:84"}),
                      grids=frozenset({"PTTM06", "GLOBAL_WEBMERCATOR"}),
                      queryable=frozenset({"equipamentos"}))
GETMAP = ("SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=equipamentos&STYLES=&FORMAT=image/png"
          "&WIDTH=256&HEIGHT=256&")


def problem(path: str, query: str = ""):
    return problem_for({"PATH_INFO": path, "QUERY_STRING": query}, CATALOGUE)


@pytest.mark.parametrize("query, code", [
    ("CRS=EPSG:3763&BBOX=2,0,1,1", "InvalidParameterValue"),
    ("CRS=EPSG:4326&BBOX=38,-9,91,-8", "InvalidParameterValue"),  # latitude first in 1.3.0
    ("CRS=EPSG:3763&BBOX=0,0,1e9,1", "InvalidParameterValue"),
    ("CRS=EPSG:3763&BBOX=0,0,inf,1", "InvalidParameterValue"),
    ("CRS=EPSG:3763&BBOX=1,2,3", "InvalidParameterValue"),
    ("CRS=EPSG:2000&BBOX=0,0,1,1", "InvalidCRS"),
    ("BBOX=0,0,1,1", "MissingParameterValue"),
])
def test_bad_getmap(query, code):
    assert problem("/service", GETMAP + query).code == code


def test_good_getmap_and_lon_lat_order_of_crs84():
    assert problem("/service", GETMAP + "CRS=EPSG:3763&BBOX=-60000,8000,-56000,12000") is None
    assert problem("/service", GETMAP + "CRS=CRS:84&BBOX=-9,39,-8,40") is None
    assert problem("/service", GETMAP + "CRS=EPSG:4326&BBOX=39,-9,40,-8") is None


def test_size_limits():
    base = "SERVICE=WMS&REQUEST=GetMap&LAYERS=equipamentos&FORMAT=image/png&CRS=EPSG:3763" \
        "&BBOX=0,0,1,1&"
    assert problem("/service", base + "WIDTH=4096&HEIGHT=4096") is None
    assert problem("/service", base + "WIDTH=4097&HEIGHT=10").message.startswith("WIDTH")
    assert problem("/service", base + "WIDTH=10&HEIGHT=0").message.startswith("HEIGHT")


def test_featureinfo_pixel_must_be_inside_the_image():
    query = GETMAP.replace("GetMap", "GetFeatureInfo") + \
        "CRS=EPSG:3763&BBOX=0,0,1,1&QUERY_LAYERS=equipamentos&INFO_FORMAT=text/html&J=3&I="
    assert problem("/service", query + "255") is None
    assert problem("/service", query + "256").code == "InvalidParameterValue"


@pytest.mark.parametrize("path", ["/wmts/equipamentos/PTTM06/a/1/1.png",
                                  "/tiles/equipamentos/PTTM06/1/-1/1.png",
                                  "/tms/1.0.0/equipamentos/PTTM06/1/1/1e9.png"])
def test_tile_paths_need_numbers(path):
    assert problem(path).code == "InvalidParameterValue"


def test_a_good_tile_path_passes():
    assert problem("/wmts/equipamentos/PTTM06/9/199/284.png") is None


def test_mapproxy_client_errors_become_400_and_server_errors_stay():
    body = b'<ServiceException code="LayerNotDefined">unknown layer</ServiceException>'
    assert input_error_status("500 Internal Server Error", body) == "400 Bad Request"
    failed = input_error_status("500 Internal Server Error", b"<x>source failed</x>")
    assert failed.startswith("500")
    assert input_error_status("200 OK", body) == "200 OK"


NAN_GETMAP = GETMAP + "CRS=EPSG:3763&BBOX=nan,0,1,1"


@pytest.mark.parametrize("path", [
    "/service/x", "/service.php", "/service/", "/wms/", "/ows;x", "/servicex",
    "/tiles/equipamentos/PTTM06/1/1/1.png/x",  # MapProxy finds the tile anywhere in the path
    "/wmts/x/wmts/equipamentos/PTTM06/1/1/1.png", "/wmts/x/1.0.0/WMTSCapabilities.xml",
    "/tiles/equipamentos/PTTM06/1/1/1.png\n", "/ogcapi.x/collections/equipamentos/map",
    "/ogcapi//collections/equipamentos/map", "/ogcapi/static/../../x", "/kml/x", "/demo/",
])
def test_paths_mapproxy_would_read_another_way_are_404(path):
    found = problem(path, NAN_GETMAP)
    assert found is not None and found.status.startswith("404"), path


def test_ogc_api_paths_are_checked_as_mapproxy_routes_them():
    bad = "bbox=nan,1,2,3&width=256&height=256"
    for path in ("/ogcapi/collections/equipamentos/map/", "/ogcapi/map.png/",
                 "/ogcapi/collections/equipamentos/map.png"):
        assert problem(path, bad).code == "InvalidParameterValue", path
    tile = problem("/ogcapi/collections/equipamentos/map/tiles/PTTM06/9/a/1/")
    assert tile.code == "InvalidParameterValue"


@pytest.mark.parametrize("path", ["", "/", "/wmts/1.0.0/WMTSCapabilities.xml", "/tms/1.0.0/",
                                  "/tms/1.0.0/equipamentos/PTTM06", "/ogcapi", "/ogcapi/",
                                  "/ogcapi/collections/equipamentos/map/tiles/PTTM06",
                                  "/ogcapi/static/ol.js",
                                  "/tiles/equipamentos/PTTM06/9/199/284.png"])
def test_the_published_forms_pass(path):
    assert problem(path) is None


def guarded(environ: dict, settings) -> tuple[str, dict, dict]:
    """(status, response headers, environ the inner app saw) through the Guard."""
    from sig.maps.guard import Guard

    seen: dict = {}

    def inner(env, start_response):
        seen.update(env)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    b"".join(Guard(inner, CATALOGUE, settings)(environ, start_response))
    return answer["status"], answer["headers"], seen


def test_the_guard_drops_steering_headers_checks_the_host_and_adds_security_headers():
    from sig.conf import Settings
    from sig.ops.hardening import response_headers

    settings = Settings(allowed_hosts=("sig.example.org",))
    base = {"PATH_INFO": "/service", "QUERY_STRING": "SERVICE=WMS&REQUEST=GetCapabilities",
            "HTTP_HOST": "sig.example.org", "wsgi.url_scheme": "http"}
    status, headers, seen = guarded(base | {
        "HTTP_X_SCRIPT_NAME": "/xyz", "HTTP_X_FORWARDED_HOST": "evil.example",
        "HTTP_X_FORWARDED_PROTO": "https"}, settings)
    assert status == "200 OK"
    assert not {"HTTP_X_SCRIPT_NAME", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO"} & set(seen)
    assert set(response_headers(settings, False)) <= set(headers.items())
    status, headers, seen = guarded(base | {"HTTP_HOST": "evil.example"}, settings)
    assert status.startswith("400") and not seen and "Content-Security-Policy" in headers
    status, _, _ = guarded(base | {"PATH_INFO": "/xyz/service",
                                   "HTTP_X_SCRIPT_NAME": "/xyz"}, settings)
    assert status.startswith("404")
