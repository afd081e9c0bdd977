"""Bad input gets a 400 (or 404) with an OGC exception document naming the problem, never a
500; SQL text in any parameter changes nothing in the database."""

from __future__ import annotations

import json

import pytest

ITEMS = "/ogcapi/collections/iluminacao_publica/items"
BAD_ITEMS = [
    ("limit=-1", "limit"), ("limit=abc", "limit"), ("limit=100000", "limit"),
    ("bbox=1,2,3", "bbox"), ("bbox=1,2,3,4,5", "bbox"), ("bbox=-8,40,-9,39", "bbox"),
    ("crs=EPSG:27700", "crs"), ("bbox=1,2,3,4&bbox-crs=urn:x", "bbox-crs"),
    ("filter=estado%20%3D", "filter"), ("filter=nada%20%3D%201", "propriedade desconhecida"),
    ("filter=S_INTERSECTS(geometry,POLYGON((0 0,1 1,1 0,0 1,0 0)))", "geometria inválida"),
    ("filter-lang=cql2-json&filter=%7Bnot", "filter"), ("sortby=", "sortby"),
    ("sortby=desconhecida", "sortby"), ("properties=desconhecida", "properties"),
    ("datetime=ontem", "datetime"), ("datetime=2024-02-30", "datetime"),
    ("offset=-5", "offset"), ("skipGeometry=talvez", "skipGeometry"), ("f=xml", "f:"),
    ("municipio=leiria", "municipio"), ("potencia_w=muita", "potencia_w"),
    ("nao_existe=1", "parâmetro desconhecido"), ("limit=1&limit=2", "repetido"),
    ("filter=potencia_w%20%3D%2099999999999999999999999", "filter"),
]


def exception(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) >= {"code", "description"}
    return body


@pytest.mark.parametrize("query, named", BAD_ITEMS)
def test_bad_items_parameters_are_400(api, query, named):
    response = api.get(f"{ITEMS}?{query}")
    assert response.status_code == 400
    body = exception(response)
    assert body["code"] == "InvalidParameterValue" and named in body["description"]


@pytest.mark.parametrize("url", [
    "/ogcapi/collections/nao_existe", "/ogcapi/collections/nao_existe/items",
    "/ogcapi/collections/nao_existe/items/1", f"{ITEMS}/999999999", f"{ITEMS}/abc",
    "/ogcapi/collections/nao_existe/queryables", "/ogcapi/collections/municipios/items/9999",
    "/ogcapi/collections/iluminacao_publica/tiles/NaoExiste/1/0/0",
    "/ogcapi/collections/iluminacao_publica/tiles/WebMercatorQuad/99/0/0",
    "/ogcapi/collections/iluminacao_publica/tiles/WebMercatorQuad/2/9/0",
    "/ogcapi/collections/iluminacao_publica/tiles/WebMercatorQuad/x/0/0",
    "/ogcapi/collections/iluminacao_publica/tiles/PTTM06/3/99/0",
    "/ogcapi/TileMatrixSets/NaoExiste", "/ogcapi/tiles/NaoExiste/0/0/0",
])
def test_unknown_things_are_404(api, url):
    response = api.get(url)
    assert response.status_code == 404
    assert exception(response)["code"] == "NotFound"


def test_tiles_outside_the_zoom_limits_are_404(api):
    response = api.get("/ogcapi/collections/moradas/tiles/WebMercatorQuad/5/12/15")
    assert response.status_code == 404 and "limites de zoom" in exception(response)["description"]


def test_bad_tile_and_metadata_parameters(api):
    assert api.get("/ogcapi/tiles/WebMercatorQuad/10/387/487?collections=x").status_code == 400
    assert api.get("/ogcapi/tiles/WebMercatorQuad/10/387/487?f=png").status_code == 400
    assert api.get("/ogcapi/tiles/PTTM06?f=tilejson").status_code == 400
    assert api.get("/ogcapi/collections/moradas/tiles/WebMercatorQuad?f=xml").status_code == 400


INJECTIONS = ["'; DROP TABLE iluminacao_publica; --", "1 OR 1=1", "id); DELETE FROM moradas; --",
              "$$ || pg_sleep(3) || $$", "\\x27; TRUNCATE municipio; --"]
PARAMETERS = ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "properties", "sortby",
              "skipGeometry", "municipio", "filter", "filter-lang", "filter-crs", "circuito",
              "estado", "potencia_w", "led", "data_instalacao", "f", "resulttype"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_in_any_parameter_reaches_nothing(api, reader, payload):
    before = reader.execute("SELECT (SELECT count(*) FROM iluminacao_publica), "
                            "(SELECT count(*) FROM moradas), (SELECT count(*) FROM municipio)"
                            ).fetchone()
    for name in PARAMETERS:
        response = api.get(ITEMS, {name: payload})
        assert response.status_code in (200, 400), (name, response.content[:300])
        if response.status_code == 200:  # a text property compared with the payload
            assert json.loads(response.content)["features"] == []
    for url in (f"{ITEMS}/{payload}", f"/ogcapi/collections/{payload}/items"):
        assert api.get(url).status_code == 404
    after = reader.execute("SELECT (SELECT count(*) FROM iluminacao_publica), "
                           "(SELECT count(*) FROM moradas), (SELECT count(*) FROM municipio)"
                           ).fetchone()
    assert before == after


@pytest.mark.django_db  # OPTIONS reads the feature's municipality to answer per person
def test_write_methods_go_to_the_editing_api(api):
    """POST/PUT/PATCH/DELETE/OPTIONS are not answered by the read-only views."""
    for method in ("post", "put", "patch", "delete", "options"):
        response = getattr(api, method)(f"{ITEMS}/1" if method != "post" else ITEMS)
        assert response.status_code != 500
        assert response.get("Allow") != "GET, HEAD", method


def test_without_the_editing_api_writes_are_405(api, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sig.editing.api", None)  # as if it were not installed
    response = api.post(ITEMS, data=b"{}", content_type="application/geo+json")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert exception(response)["code"] == "MethodNotAllowed"
    assert api.delete(f"{ITEMS}/1").status_code == 405
