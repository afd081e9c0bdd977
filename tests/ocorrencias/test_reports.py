"""The public report endpoint (form and JSON), its defences, and the status page."""

from __future__ import annotations

import io
import json

import psycopg
import pytest
from PIL import Image

from sig.conf import get_settings
from sig.ocorrencias.abuse import form_token
from tests.ocorrencias.conftest import (
    COIMBRA,
    LEIRIA,
    LISBOA,
    filled_form_token,
    jpeg,
    report_data,
    stored,
)

URL = "/ocorrencias/"


def post_form(client, data: dict, files=(), **extra):
    fields = {"formulario": filled_form_token()} | data
    if files:
        fields["fotografias"] = [io.BytesIO(f) for f in files]
        for handle, number in zip(fields["fotografias"], range(len(files)), strict=True):
            handle.name = f"foto{number}.jpg"
    return client.post(URL, fields, **extra)


def post_json(client, data: dict):
    body = {"formulario": filled_form_token()} | data
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_a_form_report_is_stored_and_answered_with_its_status_page(client, caop, db):
    response = post_form(client, report_data(morada="Rua do Castelo"), files=[jpeg()])
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nova" in text and "Leiria" in text and "Candeeiro apagado" in text


def test_a_json_report_gets_its_code_and_municipality(client, caop, db):
    response = post_json(client, report_data())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["municipio"] == "1009" and body["estado"] == "nova"
    assert response["Location"] == f"/ocorrencias/{body['codigo']}/"
    assert client.get(body["url"] + "?lang=en").content.decode().count("New") >= 1


def test_the_form_page_and_its_token(client, caop, db):
    assert "iluminacao" in client.get(URL).content.decode()
    form = client.get("/ocorrencias/formulario.json").json()
    assert form["max_fotografias"] == 3 and form["formulario"]
    assert {c["codigo"] for c in form["categorias"]} >= {"iluminacao", "residuos", "via"}


def test_the_nearest_street_light_within_30_m_is_linked(client, caop, db, ana):
    import random

    from sig.ocorrencias import triage

    here = (LEIRIA[0] + random.uniform(-0.01, 0.01), LEIRIA[1] + random.uniform(-0.01, 0.01))
    with psycopg.connect(get_settings().database_owner_url) as owner:
        near = owner.execute(
            "INSERT INTO iluminacao_publica (municipio, tipo_luminaria, led, estado, geom) "
            "VALUES ('1009', 'viaria', true, 'funcional', ST_Translate(ST_Transform("
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326), 3763), 12, 0)) RETURNING id",
            here).fetchone()[0]
        owner.execute(
            "INSERT INTO iluminacao_publica (municipio, tipo_luminaria, led, estado, geom) "
            "VALUES ('1009', 'viaria', true, 'funcional', ST_Translate(ST_Transform("
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326), 3763), 25, 0))", here)
    code = post_json(client, report_data(where=here)).json()["codigo"]
    linked = triage.detail(ana, code)["elemento"]
    assert linked["tema"] == "iluminacao_publica" and linked["id"] == near
    assert 11 < linked["distancia_m"] < 13
    far = post_json(client, report_data(where=(here[0] + 0.02, here[1]))).json()["codigo"]
    assert triage.detail(ana, far)["elemento"] is None


BAD_INPUTS = {
    "sem categoria": ({"categoria": ""}, 400, "escolha uma categoria"),
    "categoria inventada": ({"categoria": "nada"}, 400, "categoria desconhecida"),
    "fora da região (Lisboa)": ({"lon": LISBOA[0], "lat": LISBOA[1]}, 422, "fora dos municípios"),
    "fora da região (Coimbra)": ({"lon": COIMBRA[0], "lat": COIMBRA[1]}, 422,
                                 "fora dos municípios"),
    "latitude impossível": ({"lat": 91}, 400, "coordenada fora do intervalo"),
    "longitude impossível": ({"lon": -181}, 400, "coordenada fora do intervalo"),
    "coordenada não numérica": ({"lat": "NaN"}, 400, "coordenada fora do intervalo"),
    "sem descrição": ({"descricao": "   "}, 400, "descreva a ocorrência"),
    "descrição enorme": ({"descricao": "x" * 2001}, 400, "demasiado longo"),
    "email inválido": ({"email": "não é email"}, 400, "correio eletrónico inválido"),
    "telefone inválido": ({"telefone": "ligue-me"}, 400, "telefone inválido"),
    "armadilha preenchida": ({"website": "http://spam.example"}, 400, "pedido recusado"),
    "formulário rápido demais": ({"formulario": "agora"}, 400, "depressa demais"),
    "sem formulário": ({"formulario": "forjado"}, 400, "formulário inválido"),
    "valor de atributo fora da lista": ({"categoria": "residuos", "atributos": {
        "contentor": "nuclear"}}, 400, "valor fora da lista"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_gets_a_clear_pt_message_and_nothing_is_stored(client, caop, db, name):
    change, status, message = BAD_INPUTS[name]
    if change.get("formulario") == "agora":
        change = {"formulario": form_token()}
    before = stored()
    response = post_json(client, report_data() | change)
    assert response.status_code == status, response.content
    assert message in response.json()["description"]
    assert stored() == before


def _bomb_png() -> bytes:
    """A small PNG declaring 30000 × 30000 pixels (900 million)."""
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, "PNG")
    return out.getvalue()


PHOTOS = {
    "não é imagem": (b"<?php echo 'x'; ?>" * 100, 415),
    "texto com cabeçalho JPEG falso": (b"\xff\xd8\xff\xe0" + b"0" * 5000, 415),
    "40 MB": (jpeg()[:-2] + b"\0" * (40 * 1024 * 1024) + b"\xff\xd9", 413),
    "bomba de descompressão": (_bomb_png(), 413),
}


@pytest.mark.parametrize("name", list(PHOTOS))
def test_bad_photos_are_refused_and_nothing_is_stored(client, caop, db, name):
    content, status = PHOTOS[name]
    before = stored()
    response = post_form(client, report_data(), files=[content], HTTP_ACCEPT="application/json")
    assert response.status_code == status, response.content
    assert "fotografia" in response.json()["description"]
    assert stored() == before


def test_four_photos_are_refused(client, caop, db):
    before = stored()
    response = post_form(client, report_data(), files=[jpeg()] * 4,
                         HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "no máximo 3" in response.json()["description"]
    assert stored() == before


def test_html_is_stored_as_text_and_shown_escaped(client, caop, db):
    evil = '<script>alert("x")</script><b>negrito</b>'
    body = post_json(client, report_data(descricao=evil, morada="<i>rua</i>")).json()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT descricao FROM ocorrencia_publica WHERE codigo = %s",
                       [body["codigo"]])
        assert cursor.fetchone()[0] == evil
    page = client.get(body["url"]).content.decode()
    assert "<script>" not in page and "&lt;script&gt;" in page and "<i>rua</i>" not in page


def test_reports_are_limited_per_address_and_per_contact(client, caop, db, sig_env):
    sig_env(SIG_OCORRENCIAS_IP_RATE="4/1h", SIG_OCORRENCIAS_CONTACT_RATE="2/1h")
    assert post_json(client, report_data(email="a@example.pt")).status_code == 201
    assert post_json(client, report_data(email="A@example.pt")).status_code == 201
    refused = post_json(client, report_data(email="a@example.pt"))
    assert refused.status_code == 429 and "Retry-After" in refused
    other = client.post(URL, json.dumps({"formulario": filled_form_token()} | report_data()),
                        content_type="application/json", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 201
    assert post_json(client, report_data()).status_code == 201  # the 4th from this address
    assert post_json(client, report_data()).status_code == 429


def test_a_report_with_a_3_mb_photo_is_accepted(client, caop, db):
    import random

    rng = random.Random(7)
    noise = Image.frombytes("RGB", (3000, 2000), rng.randbytes(3000 * 2000 * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=50)
    assert 2_000_000 < len(out.getvalue()) < 6_000_000
    response = post_form(client, report_data(), files=[out.getvalue()],  # its time:
                         HTTP_ACCEPT="application/json")  # scripts/bench-report-page
    assert response.status_code == 201
    assert stored()[1] >= 1


def test_a_good_photo_is_stored_and_a_failed_report_stores_none(client, caop, db):
    before = stored()
    ok = post_form(client, report_data(), files=[jpeg(), jpeg(300, 200)],
                   HTTP_ACCEPT="application/json")
    assert ok.status_code == 201
    assert stored() == (before[0] + 1, before[1] + 2)
    outside = post_form(client, report_data(where=LISBOA), files=[jpeg()],
                        HTTP_ACCEPT="application/json")
    assert outside.status_code == 422
    assert stored() == (before[0] + 1, before[1] + 2)
