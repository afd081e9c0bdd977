"""The occurrences as open data: the read-only OGC API collection `ocorrencias`, the CSV and
GeoJSON downloads, the DCAT-AP dataset and the indicators page. Data is committed through
the creation function (as sig_app), so the service's own reader connections see it."""

from __future__ import annotations

import csv
import io
import json
import secrets

import pytest

from sig.opendata.ocorrencias import COLUMNS
from tests.conftest import act_as
from tests.ocorrencias.conftest import LEIRIA, jpeg

CREATE = ("SELECT * FROM acl.ocorrencia_criar(%s, %s, %s, %s, %s, 'Divisão X', 72, NULL, NULL, "
          "NULL, %s::jsonb, 'web', %s::jsonb, ARRAY[%s]::bytea[], ARRAY[10, 10])")
PUBLIC_FIELDS = set(COLUMNS)

pytestmark = pytest.mark.django_db


def publish(app, contact: dict, reply: str | None = None, note: str | None = None,
            answer: str = "poste-secreto") -> tuple[str, str]:
    """Commit an occurrence in Leiria with a contact, a photo, a category answer and, if given,
    a public reply and an internal note; returns (code, Open311 token)."""
    description = f"Candeeiro apagado {secrets.token_hex(3)}"
    _, codigo, token = app.execute(CREATE, (
        "iluminacao", *LEIRIA, description, "Rua Direita, 3",
        json.dumps({"numero_poste": answer}), json.dumps(contact), jpeg(10, 10))).fetchone()
    app.commit()
    act_as(app, "tecnico.exposicao", ["1009"])
    pk = app.execute("SELECT id FROM ocorrencia WHERE codigo = %s", (codigo,)).fetchone()[0]
    for text, public in ((reply, True), (note, False)):
        if text:
            app.execute("INSERT INTO ocorrencia_evento (ocorrencia, tipo, publico, texto) "
                        "VALUES (%s, %s, %s, %s)", (pk, "resposta" if public else "nota",
                                                    public, text))
    app.commit()
    return codigo, token


@pytest.fixture
def published(caop, app):
    return publish(app, {"email": "exposicao@example.pt"}, reply="Equipa a caminho",
                   note="nota-interna-secreta")


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def _feature(client, codigo: str) -> dict:
    document = client.get("/ogcapi/collections/ocorrencias/items?limit=1000&f=json").json()
    found = [f for f in document["features"] if f["id"] == codigo]
    assert len(found) == 1
    return found[0]


def test_the_collection_has_public_fields_only(client, published):
    codigo, token = published
    feature = _feature(client, codigo)
    assert set(feature["properties"]) == PUBLIC_FIELDS
    assert feature["properties"]["resposta"] == "Equipa a caminho"
    assert feature["properties"]["municipio"] == "1009"
    lon, lat = feature["geometry"]["coordinates"]
    assert abs(lon - LEIRIA[0]) < 1e-6 and abs(lat - LEIRIA[1]) < 1e-6
    text = client.get("/ogcapi/collections/ocorrencias/items?limit=1000").content.decode()
    for secret in (token, "exposicao@example.pt", "nota-interna-secreta", "poste-secreto"):
        assert secret not in text


def test_item_metadata_count_and_etag_follow_the_data(client, published, app):
    codigo, _ = published
    item = client.get(f"/ogcapi/collections/ocorrencias/items/{codigo}?f=json")
    assert item.status_code == 200 and item.json()["properties"]["codigo"] == codigo
    meta = client.get("/ogcapi/collections/ocorrencias?f=json")
    assert meta.status_code == 200 and meta.json()["title"].startswith("Ocorrências")
    page = client.get("/ogcapi/collections/ocorrencias/items?limit=1&f=json")
    count = app.execute("SELECT count(*) FROM ocorrencia_publica").fetchone()[0]
    app.rollback()
    assert page.json()["numberMatched"] == count
    first = client.get("/ogcapi/collections/ocorrencias/items?f=json")
    again = client.get("/ogcapi/collections/ocorrencias/items?f=json",
                       HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    publish(app, {}, reply="Outra resposta")
    after = client.get("/ogcapi/collections/ocorrencias/items?f=json",
                       HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]


def test_the_collection_is_read_only(client, published):
    codigo, _ = published
    created = client.post("/ogcapi/collections/ocorrencias/items", data="{}",
                          content_type="application/geo+json")
    deleted = client.delete(f"/ogcapi/collections/ocorrencias/items/{codigo}")
    assert created.status_code in (401, 403, 404, 405)
    assert deleted.status_code in (401, 403, 404, 405)
    assert _feature(client, codigo)


def test_downloads_carry_the_public_columns(client, published):
    codigo, token = published
    response = client.get("/dados/ocorrencias.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert list(rows[0]) == [*COLUMNS, "lon", "lat"]
    mine = [r for r in rows if r["codigo"] == codigo]
    assert len(mine) == 1 and mine[0]["resposta"] == "Equipa a caminho"
    geojson = json.loads(_body(client.get("/dados/ocorrencias.geojson")))
    feature = [f for f in geojson["features"] if f["id"] == codigo][0]
    assert set(feature["properties"]) == PUBLIC_FIELDS
    assert len(geojson["features"]) == len(rows)
    assert token not in json.dumps(geojson)


def test_the_dcat_catalogue_lists_the_dataset(client, caop):
    first = _body(client.get("/dados/catalogo.ttl"))
    assert '"cimrl-ocorrencias"' in first
    assert "/dados/ocorrencias.csv" in first and "/ogcapi/collections/ocorrencias" in first
    graph = client.get("/dados/catalogo.jsonld?page=2")
    if graph.status_code == 200:  # a second page exists: the dataset is listed once only
        assert "cimrl-ocorrencias" not in _body(graph)


def test_the_indicators_page_and_csv(client, published, reader):
    html = client.get("/indicadores/").content.decode()
    section = html[html.index('id="ocorrencias"'):html.index('id="atualizacao"')]
    assert "Ocorrências abertas" in section and "Tempo mediano de resolução" in section
    rows = list(csv.DictReader(io.StringIO(
        client.get("/indicadores/indicadores.csv").content.decode())))
    mine = {r["classe"]: r["valor"] for r in rows
            if r["indicador"] == "ocorrencias_abertas" and r["area"] == "1009"}
    open_now = reader.execute("SELECT count(*) FROM ocorrencia_publica WHERE municipio = '1009' "
                              "AND fechada_em IS NULL").fetchone()[0]
    assert int(mine[""]) == open_now >= 1
    assert "Iluminação pública avariada" in {r["classe_nome"] for r in rows
                                             if r["indicador"] == "ocorrencias_abertas"}
