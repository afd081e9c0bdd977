"""The running maps service: WMS 1.3.0, WMTS (KVP and REST) in both grids, /tiles, OGC API,
GetFeatureInfo (JSON and HTML), legends — mounted at /maps/ beside Django on one port."""

from __future__ import annotations

import io
import json
import math
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from sig.registry import get_registry
from sig.tilegrid import PTTM06

WMS = "/maps/service?SERVICE=WMS&VERSION=1.3.0&"
LEIRIA_BBOX = "-60000,8000,-56000,12000"
NS = {"wmts": "http://www.opengis.net/wmts/1.0", "ows": "http://www.opengis.net/ows/1.1",
      "wms": "http://www.opengis.net/wms"}


def image(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body)).convert("RGBA")


def drawn_pixels(body: bytes) -> int:
    """Pixels that are neither transparent nor plain white."""
    pixels = np.asarray(image(body))
    white = (pixels[..., :3] == 255).all(axis=-1)
    return int(((pixels[..., 3] > 0) & ~white).sum())


def feature_in(reader, table: str, dico: str = "1009") -> tuple[int, float, float]:
    return reader.execute(f"SELECT id, ST_X(geom), ST_Y(geom) FROM {table} "
                          "WHERE municipio = %s ORDER BY id LIMIT 1", (dico,)).fetchone()


def test_wms_capabilities_list_every_layer_and_both_crs(maps_server):
    status, content_type, body = maps_server.get(WMS + "REQUEST=GetCapabilities")
    assert status == 200 and "xml" in content_type
    root = ET.fromstring(body)
    names = {e.text for e in root.iterfind(".//wms:Layer/wms:Name", NS)}
    assert {t.id for t in get_registry()} | {"mapa_base", "limites_administrativos"} <= names
    crs = {e.text for e in root.iterfind(".//wms:Layer/wms:CRS", NS)}
    assert {"EPSG:3763", "EPSG:3857"} <= crs
    assert b"http://127.0.0.1" in body and b"/maps/service" in body


def test_wms_getmap_draws_the_demo_features(maps_server):
    query = (f"REQUEST=GetMap&LAYERS=mapa_base,rede_viaria,equipamentos&STYLES=,,"
             f"&CRS=EPSG:3763&BBOX={LEIRIA_BBOX}&WIDTH=512&HEIGHT=512&FORMAT=image/png")
    status, content_type, body = maps_server.get(WMS + query)
    assert status == 200 and content_type == "image/png"
    assert image(body).size == (512, 512) and drawn_pixels(body) > 10000


def test_featureinfo_json_and_html(maps_server, reader):
    fid, x, y = feature_in(reader, "equipamentos")
    bbox = f"{x - 500},{y - 500},{x + 500},{y + 500}"
    query = (f"REQUEST=GetFeatureInfo&LAYERS=equipamentos&QUERY_LAYERS=equipamentos&STYLES="
             f"&CRS=EPSG:3763&BBOX={bbox}&WIDTH=200&HEIGHT=200&I=100&J=100&FORMAT=image/png"
             "&FEATURE_COUNT=5&INFO_FORMAT=")
    status, content_type, body = maps_server.get(WMS + query + "application/json")
    assert status == 200 and "json" in content_type
    features = json.loads(body)["features"]
    assert fid in [f["properties"]["id"] for f in features]
    assert all(f["properties"]["camada"] == "equipamentos" for f in features)
    status, content_type, body = maps_server.get(WMS + query + "text/html")
    html = body.decode()
    assert status == 200 and content_type.startswith("text/html")
    assert "Equipamentos de utilização coletiva" in html and "<th>Tipo</th>" in html
    tipo = next(f["properties"]["tipo"] for f in features if f["properties"]["id"] == fid)
    labels = {v.code: v.label.pt for v in get_registry().codelist("equipamentos",
                                                                  "tipo_equipamento")}
    assert f"<td>{labels[tipo]}</td>" in html


def test_legend_graphic_shows_the_classes(maps_server):
    status, content_type, body = maps_server.get(
        WMS + "REQUEST=GetLegendGraphic&LAYER=equipamentos&FORMAT=image/png&SLD_VERSION=1.1.0")
    assert status == 200 and content_type == "image/png"
    width, height = image(body).size
    assert height > 9 * 12 and width > 60  # one row per class, with its label


def test_wmts_capabilities_offer_both_grids_with_the_project_matrix(maps_server):
    status, _, body = maps_server.get("/maps/wmts/1.0.0/WMTSCapabilities.xml")
    assert status == 200
    root = ET.fromstring(body)
    sets = {s.find("ows:Identifier", NS).text: s
            for s in root.iterfind("wmts:Contents/wmts:TileMatrixSet", NS)}
    assert {"PTTM06", "GLOBAL_WEBMERCATOR"} <= set(sets)
    matrices = sets["PTTM06"].findall("wmts:TileMatrix", NS)
    assert len(matrices) == len(PTTM06.resolutions)
    for level, matrix in enumerate(matrices):
        corner = [float(v) for v in matrix.find("wmts:TopLeftCorner", NS).text.split()]
        assert corner == [PTTM06.origin_x, PTTM06.origin_y]
        scale = float(matrix.find("wmts:ScaleDenominator", NS).text)
        assert scale == pytest.approx(PTTM06.scale_denominator(level), rel=1e-6)
        width = int(matrix.find("wmts:MatrixWidth", NS).text)
        height = int(matrix.find("wmts:MatrixHeight", NS).text)
        assert (width, height) == PTTM06.matrix_size(level)


def pttm06_tile(x: float, y: float, level: int) -> tuple[int, int]:
    span = PTTM06.tile_span(level)
    return int((x - PTTM06.origin_x) // span), int((PTTM06.origin_y - y) // span)


def test_tiles_by_rest_kvp_and_xyz_are_the_same_image(maps_server, reader):
    _, x, y = feature_in(reader, "equipamentos")
    col, row = pttm06_tile(x, y, 11)
    rest = maps_server.get(f"/maps/wmts/equipamentos/PTTM06/11/{col}/{row}.png")
    kvp = maps_server.get(
        "/maps/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=equipamentos"
        f"&STYLE=default&FORMAT=image/png&TILEMATRIXSET=PTTM06&TILEMATRIX=11&TILEROW={row}"
        f"&TILECOL={col}")
    xyz = maps_server.get(f"/maps/tiles/equipamentos/PTTM06/11/{col}/{row}.png")
    assert rest[0] == kvp[0] == xyz[0] == 200
    assert rest[2] == kvp[2] == xyz[2] and drawn_pixels(rest[2]) > 20


def xyz_tile(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2 ** zoom
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def test_web_mercator_tiles_exist_for_the_basemap(maps_server):
    x, y = xyz_tile(-8.807, 39.743, 12)  # Leiria
    status, content_type, body = maps_server.get(f"/maps/tiles/mapa_base/GLOBAL_WEBMERCATOR/"
                                                 f"12/{x}/{y}.png")
    assert status == 200 and content_type == "image/png" and drawn_pixels(body) > 30000


def test_ogc_api_maps_and_tiles_landing(maps_server):
    status, content_type, body = maps_server.get("/maps/ogcapi?f=json")
    assert status == 200 and "json" in content_type
    links = {link["rel"] for link in json.loads(body)["links"]}
    assert "conformance" in links or "http://www.opengis.net/def/rel/ogc/1.0/conformance" in links


def test_django_still_serves_beside_the_maps(maps_server):
    status, _, body = maps_server.get("/healthz")
    assert status == 200 and b"ok" in body


BAD = {
    "inverted bbox": WMS + "REQUEST=GetMap&LAYERS=equipamentos&STYLES=&CRS=EPSG:3763"
                           "&BBOX=-56000,12000,-60000,8000&WIDTH=256&HEIGHT=256&FORMAT=image/png",
    "absurd bbox": WMS + "REQUEST=GetMap&LAYERS=equipamentos&STYLES=&CRS=EPSG:4326"
                         "&BBOX=-1000,-1000,1000,1000&WIDTH=256&HEIGHT=256&FORMAT=image/png",
    "NaN bbox": WMS + "REQUEST=GetMap&LAYERS=equipamentos&STYLES=&CRS=EPSG:3763"
                      "&BBOX=nan,0,1,1&WIDTH=256&HEIGHT=256&FORMAT=image/png",
    "huge width": WMS + "REQUEST=GetMap&LAYERS=equipamentos&STYLES=&CRS=EPSG:3763"
                        f"&BBOX={LEIRIA_BBOX}&WIDTH=100000&HEIGHT=10&FORMAT=image/png",
    "unknown layer": WMS + "REQUEST=GetMap&LAYERS=nada&STYLES=&CRS=EPSG:3763"
                           f"&BBOX={LEIRIA_BBOX}&WIDTH=256&HEIGHT=256&FORMAT=image/png",
    "unknown style": WMS + "REQUEST=GetMap&LAYERS=equipamentos&STYLES=fancy&CRS=EPSG:3763"
                           f"&BBOX={LEIRIA_BBOX}&WIDTH=256&HEIGHT=256&FORMAT=image/png",
    "unknown CRS": WMS + "REQUEST=GetMap&LAYERS=equipamentos&STYLES=&CRS=EPSG:99999"
                         f"&BBOX={LEIRIA_BBOX}&WIDTH=256&HEIGHT=256&FORMAT=image/png",
    "unknown request": WMS + "REQUEST=Explode",
    "bad BGCOLOR": WMS + "REQUEST=GetMap&LAYERS=equipamentos&STYLES=&CRS=EPSG:3763"
                         f"&BBOX={LEIRIA_BBOX}&WIDTH=256&HEIGHT=256&FORMAT=image/png&BGCOLOR=zz",
    "not queryable": WMS + "REQUEST=GetFeatureInfo&LAYERS=mapa_base&QUERY_LAYERS=mapa_base"
                           f"&STYLES=&CRS=EPSG:3763&BBOX={LEIRIA_BBOX}&WIDTH=256&HEIGHT=256"
                           "&FORMAT=image/png&I=1&J=1&INFO_FORMAT=application/json",
    "legend without SLD_VERSION": WMS + "REQUEST=GetLegendGraphic&LAYER=equipamentos"
                                        "&FORMAT=image/png",
    "malformed TileMatrix": "/maps/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                            "&LAYER=equipamentos&STYLE=default&FORMAT=image/png"
                            "&TILEMATRIXSET=PTTM06&TILEMATRIX=x&TILEROW=1&TILECOL=1",
    "malformed row": "/maps/wmts/equipamentos/PTTM06/9/199/abc.png",
    "negative col": "/maps/wmts/equipamentos/PTTM06/9/-1/284.png",
    "out-of-range tile": "/maps/wmts/equipamentos/PTTM06/3/999/999.png",
    "level past the grid": "/maps/wmts/equipamentos/PTTM06/40/1/1.png",
}


@pytest.mark.parametrize("path", BAD.values(), ids=BAD.keys())
def test_bad_input_gets_an_ogc_exception_not_a_500(maps_server, path):
    status, content_type, body = maps_server.get(path, timeout=10)
    assert status == 400, body[:300]
    assert "xml" in content_type
    assert re.search(rb"(ServiceExceptionReport|ows:ExceptionReport)", body)


OGC_MAP = "/maps/ogcapi/collections/equipamentos/map"
BAD_OGC = {
    "NaN bbox": OGC_MAP + "?bbox=nan,1,2,3&width=256&height=256&f=png",
    "unknown CRS": OGC_MAP + "?bbox=-9,39.5,-8.5,40&width=256&height=256"
                             "&crs=http://www.opengis.net/def/crs/EPSG/0/99999&f=png",
    "inverted bbox": OGC_MAP + "?bbox=-8,40,-9,39&width=256&height=256&f=png",
    "huge width": OGC_MAP + "?bbox=-9,39.5,-8.5,40&width=100000&height=10&f=png",
    "tile row": "/maps/ogcapi/collections/equipamentos/map/tiles/PTTM06/9/a/1?f=png",
}


@pytest.mark.parametrize("path", BAD_OGC.values(), ids=BAD_OGC.keys())
def test_bad_ogc_api_requests_get_a_problem_not_a_500(maps_server, path):
    status, content_type, body = maps_server.get(path, timeout=10)
    assert status == 400 and "json" in content_type
    assert json.loads(body)["status"] == 400


def test_ogc_api_map_draws(maps_server):
    status, content_type, body = maps_server.get(
        "/maps/ogcapi/collections/mapa_base/map.png?bbox=-60000,8000,-56000,12000&width=256&height=256"
        "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3763"
        "&crs=http://www.opengis.net/def/crs/EPSG/0/3763")
    assert status == 200 and content_type == "image/png" and drawn_pixels(body) > 20000


def test_cached_tiles_carry_validators_and_answer_304(maps_server, reader):
    _, x, y = feature_in(reader, "equipamentos")
    col, row = pttm06_tile(x, y, 10)
    url = f"{maps_server.url}/maps/wmts/equipamentos/PTTM06/10/{col}/{row}.png"
    rendered = urllib.request.urlopen(url, timeout=60).read()  # drawn by MapProxy
    cached = urllib.request.urlopen(url, timeout=60)  # read from the cache
    etag = cached.headers["ETag"]
    assert cached.read() == rendered and etag
    assert cached.headers["Cache-Control"] == "public, max-age=0, s-maxage=0"
    assert urllib.request.urlopen(url, timeout=60).headers["ETag"] == etag
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=60)
    assert answer.value.code == 304


NAN_GETMAP = ("SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=equipamentos&STYLES="
              "&CRS=EPSG:3763&BBOX=nan,0,1,1&WIDTH=256&HEIGHT=256&FORMAT=image/png")
BYPASSES = {
    "segment after service": ("/maps/service/x?" + NAN_GETMAP, {}),
    "suffix after service": ("/maps/service.php?" + NAN_GETMAP, {}),
    "X-Script-Name": ("/maps/xyz/service?" + NAN_GETMAP, {"X-Script-Name": "/xyz"}),
    "tile inside a longer path": ("/maps/tiles/equipamentos/PTTM06/1/-1/99999999999.png/x", {}),
    "WMTS tile inside a longer path": ("/maps/wmts/a/wmts/equipamentos/PTTM06/9/-1/284.png", {}),
    "OGC map with a final slash": ("/maps/ogcapi/collections/equipamentos/map/"
                                   "?bbox=nan,1,2,3&width=256&height=256&f=png", {}),
    "OGC word with a suffix": ("/maps/ogcapi.x/collections/equipamentos/map"
                               "?bbox=nan,1,2,3&width=256&height=256&f=png", {}),
    "unknown host": ("/maps/service?SERVICE=WMS&REQUEST=GetCapabilities",
                     {"Host": "evil.example"}),
}


def raw_get(server, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """GET with exactly these headers (Host included), whatever the path looks like."""
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(server.url)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in ({"Host": address.netloc} | headers).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("case", BYPASSES)
def test_every_path_under_maps_passes_the_guard(maps_server, case):
    path, headers = BYPASSES[case]
    status, answer, body = raw_get(maps_server, path, headers)
    assert status in (400, 404), (status, body[:300])
    assert re.search(rb"ServiceExceptionReport|ows:ExceptionReport|\"status\": 40", body)
    assert answer.get("X-Content-Type-Options") == "nosniff"


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy")


def test_maps_answers_carry_the_security_headers_of_the_service(maps_server):
    _, django, _ = raw_get(maps_server, "/healthz", {})
    for path in ("/maps/service?SERVICE=WMS&REQUEST=GetCapabilities", "/maps/nada",
                 "/maps/wmts/1.0.0/WMTSCapabilities.xml"):
        _, maps, _ = raw_get(maps_server, path, {})
        assert {n: maps.get(n) for n in SECURITY_HEADERS} == \
            {n: django.get(n) for n in SECURITY_HEADERS}, path


def test_capabilities_ignore_forwarded_host_and_proto(maps_server):
    status, _, body = raw_get(maps_server, "/maps/service?SERVICE=WMS&REQUEST=GetCapabilities",
                              {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"})
    assert status == 200 and b"evil.example" not in body and b"gopher:" not in body
