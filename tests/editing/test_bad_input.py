"""Bad input to the editing API: each a clear 4xx naming the problem, and nothing written."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from sig.registry import get_registry
from sig.themes.models import THEME_MODELS
from tests.editing.conftest import EDITOR_API, POINT_1009, equipamento, point, send

PTTM06 = "<http://www.opengis.net/def/crs/EPSG/0/3763>"
X, Y = POINT_1009

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit.change_log")
        audit = cursor.fetchone()[0]
    return sum(m.objects.count() for m in THEME_MODELS.values()), audit


def post(client, theme: str, body, **headers):
    headers = {"Content_Crs": PTTM06} | headers
    return send(client, "POST", f"{EDITOR_API}/{theme}/items", body, **headers)


def square(x0: float, y0: float, size: float = 100) -> list:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


BOWTIE = [[X, Y], [X + 100, Y + 100], [X + 100, Y], [X, Y + 100], [X, Y]]


def big_geometry() -> dict:
    """A line of 460,000 vertices (about 10 MB of GeoJSON)."""
    return {"type": "LineString",
            "coordinates": [[X + i * 0.001, Y + (i % 2) * 0.5] for i in range(460_000)]}


CASES = {
    "wrong geometry type": ("equipamentos", {"type": "Feature", "geometry": {
        "type": "LineString", "coordinates": [[X, Y], [X + 5, Y + 5]]},
        "properties": {"tipo": "saude", "nome": "x"}}, 400, "tipo de geometria errado"),
    "self-intersecting polygon": ("ordenamento", {"type": "Feature", "geometry": {
        "type": "Polygon", "coordinates": [BOWTIE]}, "properties": {
        "codigo": None}}, None, None),
    "coordinates out of range": ("equipamentos", equipamento((X, 9e9)), 422, "fora da área"),
    "unknown attribute": ("equipamentos", equipamento(cor="azul"), 400, "cor"),
    "wrong type": ("equipamentos", equipamento(nome=42), 400, "tem de ser texto"),
    "missing required value": ("equipamentos", {"type": "Feature", "geometry": point(
        POINT_1009), "properties": {"tipo": "saude"}}, 422, "nome: valor obrigatório"),
    "unknown code": ("equipamentos", equipamento(tipo="piscina"), 422, "código desconhecido"),
    "too long": ("equipamentos", equipamento(nome="x" * 500), 422, "demasiado longo"),
    "no geometry": ("equipamentos", {"type": "Feature", "properties": {"tipo": "saude",
                                                                        "nome": "x"}},
                    400, "geometria está em falta"),
    "not a feature": ("equipamentos", [1, 2, 3], 400, "Feature GeoJSON"),
    "outside every municipality": ("equipamentos", equipamento((-120000.0, 20000.0)), 422,
                                   "fora dos municípios"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_and_nothing_is_written(as_ana, case):
    theme, body, status, message = CASES[case]
    if case == "self-intersecting polygon":
        code = get_registry().code_values("ordenamento", "codigo")[0]
        body["properties"]["codigo"] = code
        status, message = 422, "geometria inválida: Self-intersection"
    before = counts()
    response = post(as_ana, theme, body)
    assert response.status_code == status, response.content
    described = json.dumps(response.json(), ensure_ascii=False)
    assert message in described
    assert response.json()["code"] and response.json()["description"]
    assert counts() == before


def test_lon_lat_out_of_range(as_ana):
    before = counts()
    response = post(as_ana, "equipamentos", equipamento((-200.0, 95.0)), Content_Crs="CRS84")
    assert response.status_code == 400 and "fora do intervalo" in response.json()["description"]
    assert counts() == before


def test_lon_lat_outside_the_storage_area_is_422_and_lat_first_is_read_as_such(as_ana):
    before = counts()
    response = post(as_ana, "equipamentos", equipamento((-20.0, 39.7)), Content_Crs="CRS84")
    assert response.status_code == 422 and "fora da área" in response.json()["description"]
    epsg4326 = "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    response = post(as_ana, "equipamentos", equipamento((-8.8078, 39.7475)),
                    Content_Crs=epsg4326)  # longitude first where latitude belongs: 422
    assert response.status_code == 422
    assert counts() == before


@pytest.mark.parametrize("query, status, message", [
    ({"bbox": "nan,nan,nan,nan"}, 400, "finitos"),
    ({"bbox": "1,2,inf,4"}, 400, "finitos"),
    ({"bbox": f"{X + 10},{Y},{X},{Y + 10}", "bbox-crs": "EPSG:3763"}, 400, "invertida"),
    ({"bbox": "1e300,1e300,2e300,2e300", "bbox-crs": "EPSG:3763"}, 400, "área de uso"),
    ({"bbox": "200,95,300,99", "bbox-crs": "CRS84"}, 400, "área de uso"),
])
def test_editing_bbox_is_finite_ordered_and_inside_the_area_of_use(as_ana, query, status,
                                                                   message):
    response = as_ana.get(f"{EDITOR_API}/equipamentos/items", query)
    assert response.status_code == status, response.content
    assert message in response.json()["description"]


def test_editing_bbox_past_the_area_of_use_is_cut_to_it(as_ana):
    post(as_ana, "equipamentos", equipamento())
    response = as_ana.get(f"{EDITOR_API}/equipamentos/items", {
        "bbox": "-1e300,-1e300,1e300,1e300", "bbox-crs": "EPSG:3763", "limit": "5"})
    assert response.status_code == 200 and response.json()["numberReturned"] >= 1


def test_invalid_geometry_reports_the_location(as_ana):
    code = get_registry().code_values("ordenamento", "codigo")[0]
    body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [BOWTIE]},
            "properties": {"codigo": code}}
    response = post(as_ana, "ordenamento", body)
    assert response.json()["sqlstate"] == "SG002"
    assert response.json()["detail"].startswith("local: POINT(")


def test_ten_megabyte_geometry_is_refused(as_ana):
    before = counts()
    body = json.dumps({"type": "Feature", "geometry": big_geometry(),
                       "properties": {"classificacao": "x"}})
    assert len(body) >= 10_000_000
    response = post(as_ana, "rede_viaria", body)
    assert response.status_code == 413
    assert "demasiado grande" in response.json()["description"]
    assert counts() == before


@pytest.mark.parametrize("raw, message", [
    ("{not json", "não é JSON válido"),
    ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, 1]}}',
     "não é JSON válido"),
])
def test_malformed_json(as_ana, raw, message):
    response = post(as_ana, "equipamentos", raw)
    assert response.status_code == 400 and message in response.json()["description"]


def test_non_json_content_type_is_415(as_ana):
    response = as_ana.generic("POST", f"{EDITOR_API}/equipamentos/items", "nome=x",
                              content_type="text/plain")
    assert response.status_code == 415


def test_markup_in_text_is_stored_as_text(as_ana):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = post(as_ana, "equipamentos", equipamento(nome=text))
    assert response.status_code == 201
    stored = THEME_MODELS["equipamentos"].objects.get(pk=response.json()["id"])
    assert stored.nome == text and response.json()["properties"]["nome"] == text


def test_polygon_with_hole_is_accepted(as_ana):
    code = get_registry().code_values("ordenamento", "codigo")[0]
    outer, hole = square(X - 200, Y - 200, 400), square(X - 50, Y - 50, 100)
    body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [outer, hole]},
            "properties": {"codigo": code}}
    response = post(as_ana, "ordenamento", body)
    assert response.status_code == 201, response.content
    assert response.json()["geometry"]["type"] == "MultiPolygon"
    assert len(response.json()["geometry"]["coordinates"][0]) == 2
