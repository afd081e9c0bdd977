"""The web map's JSON services: identify across overlapping layers, and search."""

from __future__ import annotations

import pytest
from pyproj import Transformer

from sig.opendata.mapapi import parse_address, split_address

pytestmark = pytest.mark.django_db

TO_MERCATOR = Transformer.from_crs(3763, 3857, always_xy=True)


def _point_of(reader, table: str, where: str = "true"):
    fid, x, y = reader.execute(
        f"SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
        f"FROM public.{table} WHERE {where} ORDER BY id LIMIT 1").fetchone()
    return fid, TO_MERCATOR.transform(x, y)


def test_identify_finds_the_feature_under_the_point_in_every_layer(demo, client, reader):
    fid, (x, y) = _point_of(reader, "equipamentos", "municipio = '1009'")
    response = client.get("/dados/api/identificar", {
        "x": x, "y": y, "tol": 2, "camadas": "equipamentos,ordenamento"})
    assert response.status_code == 200
    results = response.json()["resultados"]
    facility = next(r for r in results if r["camada"] == "equipamentos")
    assert facility["id"] == fid
    (name,) = reader.execute("SELECT nome FROM equipamentos WHERE id = %s", (fid,)).fetchone()
    values = {a["nome"]: a["valor"] for a in facility["atributos"]}
    assert values["Nome"] == name and values["Município"] == "Leiria (1009)"
    (freguesia,) = reader.execute("SELECT f.nome || ' (' || f.dicofre || ')' FROM equipamentos e "
                                  "JOIN freguesia f ON f.dicofre = e.freguesia WHERE e.id = %s",
                                  (fid,)).fetchone()
    assert values["Freguesia"] == freguesia
    assert values["Tipo"].endswith(")")  # label with its code, e.g. "Saúde (saude)"
    (inside,) = reader.execute(
        "SELECT count(*) FROM ordenamento WHERE ST_Intersects(geom, (SELECT geom FROM "
        "equipamentos WHERE id = %s))", (fid,)).fetchone()
    assert len([r for r in results if r["camada"] == "ordenamento"]) == min(inside, 5)


def test_identify_rejects_bad_parameters(client):
    assert client.get("/dados/api/identificar", {"x": "a", "y": 1}).status_code == 400
    response = client.get("/dados/api/identificar", {"x": 1, "y": 1, "camadas": "xpto"})
    assert response.status_code == 400 and "xpto" in response.json()["erro"]
    assert client.get("/dados/api/identificar", {"x": 1, "y": 1, "tol": 5000}).status_code == 400


def test_search_ignores_accents_and_case(demo, client):
    results = client.get("/dados/api/pesquisa", {"q": "alvaiazere"}).json()["resultados"]
    assert results[0] == {**results[0], "tipo": "municipio", "codigo": "1002", "nome": "Alvaiázere"}
    x0, y0, x1, y1 = results[0]["bbox"]
    assert -8.6 < x0 < x1 < -8.2 and 39.6 < y0 < y1 < 40.0


def test_search_finds_an_address_by_street_and_number(demo, client, reader):
    street, number, dico = reader.execute(
        "SELECT arruamento, numero, municipio FROM moradas ORDER BY id LIMIT 1").fetchone()
    results = client.get("/dados/api/pesquisa", {"q": f"{street.lower()} {number}"})
    found = [r for r in results.json()["resultados"] if r["tipo"] == "morada"]
    assert found and all(r["nome"] == f"{street}, {number}" for r in found)
    (expected,) = reader.execute("SELECT count(*) FROM moradas WHERE arruamento = %s AND "
                                 "numero = %s", (street, number)).fetchone()
    assert len(found) == min(expected, 8)


def test_search_finds_facilities_by_name(demo, client):
    found = client.get("/dados/api/pesquisa", {"q": "biblioteca"}).json()["resultados"]
    assert found and all(r["tipo"] == "equipamento" and "Biblioteca" in r["nome"] for r in found)
    assert client.get("/dados/api/pesquisa", {"q": "x"}).status_code == 400


@pytest.mark.parametrize(("text", "parts"), [
    ("Rua da Liberdade 12", ("Rua da Liberdade", "12")),
    ("Rua da Liberdade, 12A", ("Rua da Liberdade", "12A")),
    ("rua 25 de abril n.º 3", ("rua 25 de abril", "3")),
    ("Leiria", None),
])
def test_address_split(text, parts):
    assert split_address(text) == parts


def test_address_with_a_place_after_a_comma():
    assert parse_address("Rua da Igreja 4, Pombal") == ("Rua da Igreja", "4", "Pombal")
    assert parse_address("Rua da Igreja, 4") == ("Rua da Igreja", "4", None)


def test_search_narrows_an_address_to_a_place(demo, client):
    found = client.get("/dados/api/pesquisa", {"q": "rua da igreja 2, marinha grande"})
    results = [r for r in found.json()["resultados"] if r["tipo"] == "morada"]
    assert results and {r["detalhe"] for r in results} == {"Marinha Grande"}
