"""OGC API Tiles: MVT per collection and for all themes, in WebMercatorQuad and PT-TM06,
decoded with GDAL; tileset metadata, TileJSON and tile matrix sets."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyogrio
import pytest

from sig.tilegrid import PTTM06
from tests.ogcapi.conftest import get_json

LEIRIA = (-8.807, 39.744)
HALF = 20037508.342789244


def web_mercator_tile(z: int) -> tuple[int, int]:
    n = 2 ** z
    lon, lat = LEIRIA
    return (int((lon + 180) / 360 * n),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))


def decode(content: bytes, folder: Path, z: int, x: int, y: int) -> dict[str, object]:
    """Layers of an MVT read by GDAL (the z/x/y path gives it the tile's place)."""
    path = folder / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return {name: pyogrio.read_dataframe(path, layer=name, CLIP="NO")
            for name, _ in pyogrio.list_layers(path)}


def count_in(reader, table: str, envelope_sql: str, params: tuple) -> int:
    return reader.execute(f"SELECT count(*) FROM {table} WHERE geom && {envelope_sql}",
                          params).fetchone()[0]


def test_collection_tile_web_mercator_without_f(api, reader, tmp_path):
    z = 13
    x, y = web_mercator_tile(z)
    response = api.get(f"/ogcapi/collections/iluminacao_publica/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layer = decode(response.content, tmp_path, z, x, y)["iluminacao_publica"]
    span = 2 * HALF / 2 ** z
    margin = span * 64 / 4096
    x0, y1 = -HALF + x * span, HALF - y * span
    expected = count_in(reader, "iluminacao_publica",
                        "ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, 3857), 3763)",
                        (x0 - margin, y1 - span - margin, x0 + span + margin, y1 + margin))
    assert len(layer) == expected > 0
    assert {"municipio", "estado", "led"} <= set(layer.columns)
    assert "updated_at" not in layer.columns


def test_collection_tile_pttm06(api, reader, tmp_path):
    level = 7  # 4 km tiles, about zoom 13 (the theme starts at 13)
    x, y = reader.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) c FROM "
                          "municipio WHERE dico = '1009') m").fetchone()
    span = PTTM06.tile_span(level)
    col, row = int((x - PTTM06.origin_x) // span), int((PTTM06.origin_y - y) // span)
    response = api.get(f"/ogcapi/collections/iluminacao_publica/tiles/PTTM06/{level}/{row}/{col}")
    assert response.status_code == 200 and response.content
    path = tmp_path / "tile.pbf"
    path.write_bytes(response.content)
    layer = pyogrio.read_dataframe(path, layer="iluminacao_publica", CLIP="NO")
    x0, y0, x1, y1 = PTTM06.tile_bounds(level, row, col)
    margin = span * 64 / 4096
    assert len(layer) == count_in(reader, "iluminacao_publica",
                                  "ST_MakeEnvelope(%s, %s, %s, %s, 3763)",
                                  (x0 - margin, y0 - margin, x1 + margin, y1 + margin)) > 0


def test_empty_tile_is_an_empty_body(api):
    response = api.get("/ogcapi/collections/equipamentos/tiles/WebMercatorQuad/10/0/0")
    assert response.status_code == 200 and response.content == b""


def test_multi_layer_tileset(api, tmp_path):
    z = 13
    x, y = web_mercator_tile(z)
    response = api.get(f"/ogcapi/tiles/WebMercatorQuad/{z}/{y}/{x}")
    layers = decode(response.content, tmp_path, z, x, y)
    assert {"municipios", "freguesias", "iluminacao_publica"} <= set(layers)
    assert "moradas" not in layers  # its zoom limits start at 15
    chosen = api.get(f"/ogcapi/tiles/WebMercatorQuad/{z}/{y}/{x}",
                     {"collections": "freguesias,iluminacao_publica"})
    assert set(decode(chosen.content, tmp_path / "b", z, x, y)) == {"freguesias",
                                                                   "iluminacao_publica"}


def test_tile_etag_changes_with_the_data(api, app):
    from tests.conftest import act_as

    z = 13
    x, y = web_mercator_tile(z)
    url = f"/ogcapi/collections/iluminacao_publica/tiles/WebMercatorQuad/{z}/{y}/{x}"
    first = api.get(url)
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    act_as(app, "teste", ["1009"])
    app.execute("UPDATE iluminacao_publica SET circuito = 'C-ETAG' WHERE id = "
                "(SELECT min(id) FROM iluminacao_publica WHERE municipio = '1009')")
    app.commit()
    second = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second["ETag"] != first["ETag"]


def _links_have_types(links: list[dict]) -> None:
    assert links and all(link.get("type") for link in links)


def test_tileset_metadata_and_tilejson(api):
    listing = get_json(api, "/ogcapi/collections/rede_viaria/tiles")
    assert {t["tileMatrixSetURI"] for t in listing["tilesets"]} >= {
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"}
    for tileset in listing["tilesets"]:
        _links_have_types(tileset["links"])
    metadata = get_json(api, "/ogcapi/collections/rede_viaria/tiles/WebMercatorQuad")
    _links_have_types(metadata["links"])
    item = next(link for link in metadata["links"] if link["rel"] == "item")
    assert item["type"] == "application/vnd.mapbox-vector-tile"
    assert item["href"].endswith("/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    levels = [int(limit["tileMatrix"]) for limit in metadata["tileMatrixSetLimits"]]
    assert (min(levels), max(levels)) == (9, 18)
    tilejson = get_json(api, "/ogcapi/collections/rede_viaria/tiles/WebMercatorQuad",
                        f="tilejson")
    assert tilejson["tiles"][0].endswith("/WebMercatorQuad/{z}/{y}/{x}")
    assert (tilejson["minzoom"], tilejson["maxzoom"]) == (9, 18)
    assert tilejson["vector_layers"][0]["id"] == "rede_viaria"
    dataset = get_json(api, "/ogcapi/tiles/PTTM06")
    assert {layer["id"] for layer in dataset["layers"]} >= {"rede_viaria", "municipios"}
    _links_have_types(dataset["links"])
    # GDAL opens tilesets from a document with an extent and a tilesets link
    listing = get_json(api, "/ogcapi/tiles")
    _links_have_types(listing["links"])
    assert -9.5 < listing["extent"]["spatial"]["bbox"][0][0] < -8
    assert any(link["rel"].endswith("/tilesets-vector") and
               link["href"] == "http://testserver/ogcapi/tiles" for link in listing["links"])


def test_tile_matrix_sets(api):
    listing = get_json(api, "/ogcapi/TileMatrixSets")
    assert {t["id"] for t in listing["tileMatrixSets"]} == {"WebMercatorQuad", "PTTM06",
                                                             "WorldCRS84Quad"}
    pttm06 = get_json(api, "/ogcapi/TileMatrixSets/PTTM06")
    assert pttm06["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3763"
    first = pttm06["tileMatrices"][0]
    assert first["pointOfOrigin"] == [-262144.0, 300000.0] and first["cellSize"] == 2048.0
    assert (first["matrixWidth"], first["matrixHeight"]) == (1, 2)
    assert len(pttm06["tileMatrices"]) == 16
    # the 1.0 names GDAL 3.6 reads, beside the 2.0 ones
    assert (pttm06["type"], pttm06["identifier"], pttm06["supportedCRS"]) == (
        "TileMatrixSetType", "PTTM06", pttm06["crs"])
    assert (first["identifier"], first["topLeftCorner"]) == (first["id"], first["pointOfOrigin"])
    assert json.loads(api.get("/ogcapi/tileMatrixSets/WebMercatorQuad").content)[
        "tileMatrices"][0]["scaleDenominator"] == pytest.approx(559082264.0287178)
