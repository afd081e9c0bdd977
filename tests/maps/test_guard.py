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
