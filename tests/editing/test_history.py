"""History from the audit log: timelines, exact revert, restore, and "what changed since"."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test import Client

from sig.editing.accounts import new_token
from sig.themes.models import THEME_MODELS
from tests.editing.conftest import (
    EDITOR_API,
    POINT_1009,
    POINT_1009_B,
    equipamento,
    send,
    tag,
)

ITEMS = f"{EDITOR_API}/equipamentos/items"
Equipamento = THEME_MODELS["equipamentos"]
CONTENT = ("municipio_id", "freguesia_id", "tipo", "nome", "morada", "codigo_postal",
           "contacto", "fonte", "fonte_id", "import_run")

pytestmark = pytest.mark.django_db


def content(pk: int) -> dict:
    row = Equipamento.objects.filter(pk=pk).values(*CONTENT).get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT geom::text FROM equipamentos WHERE id = %s", [pk])
        row["geom"] = cursor.fetchone()[0]  # exact EWKB
    return row


def history(client, pk: int) -> list[dict]:
    response = client.get(f"{ITEMS}/{pk}/historico")
    assert response.status_code == 200, response.content
    return response.json()["alteracoes"]


@pytest.fixture
def edited(as_ana) -> int:
    """A feature created, then moved and renamed, then given an address (v3)."""
    pk = send(as_ana, "POST", ITEMS, equipamento(nome="Original"), Content_Crs="EPSG:3763"
              ).json()["id"]
    change = {"geometry": {"type": "Point", "coordinates": list(POINT_1009_B)},
              "properties": {"nome": "Movido"}}
    assert send(as_ana, "PATCH", f"{ITEMS}/{pk}", change, Content_Crs="EPSG:3763",
                If_Match=tag(pk, 1)).status_code == 200
    assert send(as_ana, "PATCH", f"{ITEMS}/{pk}", {"properties": {"morada": "Rua Nova"}},
                If_Match=tag(pk, 2)).status_code == 200
    return pk


def test_timeline_has_who_what_and_geometries(as_ana, edited):
    entries = history(as_ana, edited)
    assert [e["op"] for e in entries] == ["I", "U", "U"]
    assert all(e["autor"] == "ana" for e in entries)
    moved = entries[1]
    assert moved["antes"]["nome"] == "Original" and moved["depois"]["nome"] == "Movido"
    assert moved["geometria_antes"]["coordinates"] == pytest.approx(list(POINT_1009))
    assert moved["geometria_depois"]["coordinates"] == pytest.approx(list(POINT_1009_B))
    assert entries[2]["geometria_antes"] is None  # the geometry did not change


def test_revert_restores_exactly_and_is_recorded(as_ana, edited):
    entries = history(as_ana, edited)
    first = entries[0]["alteracao"]
    send(as_ana, "PATCH", f"{ITEMS}/{edited}", {"properties": {"contacto": "x"}},
         If_Match=tag(edited, 3))
    original = {"nome": "Original", "morada": None, "contacto": None}
    response = send(as_ana, "POST", f"{ITEMS}/{edited}/reverter", {"alteracao": first},
                    If_Match=tag(edited, 3))
    assert response.status_code == 412  # stale: v4 now
    response = send(as_ana, "POST", f"{ITEMS}/{edited}/reverter", {"alteracao": first},
                    If_Match=tag(edited, 4))
    assert response.status_code == 200, response.content
    assert response["ETag"] == tag(edited, 5)
    now = content(edited)
    assert {k: now[k] for k in original} == original
    # The creation entry keeps no image; the timeline derives it from the later entries.
    created = history(as_ana, edited)[0]
    assert created["alteracao"] == first and created["depois"]["nome"] == "Original"
    derived = GEOSGeometry(json.dumps(created["geometria_depois"]))
    assert derived.equals_exact(GEOSGeometry(now["geom"]), tolerance=1e-6)
    last = history(as_ana, edited)[-1]
    assert last["op"] == "U" and last["aplicacao"] == f"sig-editor:revert:{first}"


def test_revert_to_a_middle_state(as_ana, edited):
    entries = history(as_ana, edited)
    response = send(as_ana, "POST", f"{ITEMS}/{edited}/reverter",
                    {"alteracao": entries[1]["alteracao"]}, If_Match=tag(edited, 3))
    assert response.status_code == 200
    now = content(edited)
    assert now["nome"] == "Movido" and now["morada"] is None


def test_delete_then_restore_brings_back_the_same_feature(as_ana, edited):
    before = content(edited)
    assert send(as_ana, "DELETE", f"{ITEMS}/{edited}", If_Match=tag(edited, 3)).status_code == 204
    listed = as_ana.get(f"{EDITOR_API}/equipamentos/eliminados", {"municipio": "1009"}).json()
    assert edited in [e["elemento"] for e in listed["eliminados"]]
    response = send(as_ana, "POST", f"{ITEMS}/{edited}/restaurar", {})
    assert response.status_code == 201, response.content
    assert content(edited) == before
    assert [e["op"] for e in history(as_ana, edited)] == ["I", "U", "U", "D", "I"]
    listed = as_ana.get(f"{EDITOR_API}/equipamentos/eliminados", {"municipio": "1009"}).json()
    assert edited not in [e["elemento"] for e in listed["eliminados"]]
    again = send(as_ana, "POST", f"{ITEMS}/{edited}/restaurar", {})
    assert again.status_code == 409


def test_revert_after_restore_walks_back_through_the_deletion(as_ana, edited):
    first = history(as_ana, edited)[0]["alteracao"]
    send(as_ana, "DELETE", f"{ITEMS}/{edited}", If_Match=tag(edited, 3))
    send(as_ana, "POST", f"{ITEMS}/{edited}/restaurar", {})
    response = send(as_ana, "POST", f"{ITEMS}/{edited}/reverter", {"alteracao": first},
                    If_Match=tag(edited, 1))
    assert response.status_code == 200, response.content
    assert content(edited)["nome"] == "Original"


def test_neighbours_cannot_revert_or_restore(client, edited, marta):
    from sig.editing.accounts import get_user

    client.force_login(get_user("marta"))
    first = history(client, edited)[0]["alteracao"]
    response = send(client, "POST", f"{ITEMS}/{edited}/reverter", {"alteracao": first},
                    If_Match=tag(edited, 3))
    assert response.status_code == 403


def test_changes_since_as_json_feed_and_atom(as_ana, edited, marta):
    since = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    feed = as_ana.get("/editor/alteracoes.json", {"desde": since, "municipio": "1009"})
    assert feed.status_code == 200 and feed["Content-Type"] == "application/feed+json"
    items = [i for i in feed.json()["items"] if i["_sig"]["elemento"] == edited]
    assert [i["_sig"]["op"] for i in items] == ["U", "U", "I"]
    assert all(i["_sig"]["municipio"] == "1009" for i in feed.json()["items"])
    atom = as_ana.get("/editor/alteracoes.atom", {"desde": since, "municipio": "1009"})
    assert atom.status_code == 200
    root = ET.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    ids = [e.find("a:id", ns).text for e in root.findall("a:entry", ns)]
    assert f"urn:sig:alteracao:{items[0]['_sig']['alteracao']}" in ids


def test_feeds_need_a_person(client, ana):
    assert client.get("/editor/alteracoes.json").status_code == 401
    token = new_token("ana")
    response = Client().get("/editor/alteracoes.atom", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_changes_page_lists_and_filters(as_ana, edited):
    response = as_ana.get("/editor/alteracoes/", {"municipio": "1009"})
    assert response.status_code == 200
    assert f"elemento={edited}" in response.content.decode()
    assert as_ana.get("/editor/alteracoes/", {"desde": "ontem"}).status_code == 400
