"""No lost updates: two editors load the same feature; the second save gets 412 with the
current state; after reconciling nothing is lost; revert restores exactly."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from sig.editing import features
from sig.editing.accounts import get_user
from sig.editing.errors import EditingError
from sig.themes.models import THEME_MODELS
from tests.editing.conftest import EDITOR_API, equipamento, send, tag

ITEMS = f"{EDITOR_API}/equipamentos/items"

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user(username))
    return client


def exact(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(e) - 'row_version' - 'updated_at' - 'updated_by', "
                       "geom::text FROM equipamentos e WHERE id = %s", [pk])
        values, geom = cursor.fetchone()
    return (json.loads(values) if isinstance(values, str) else values), geom


def test_second_save_gets_412_nothing_is_lost_and_revert_is_exact(ana, rui):
    a, r = signed_in("ana"), signed_in("rui")
    created = send(a, "POST", ITEMS, equipamento(nome="Casa da Cultura"), Content_Crs="EPSG:3763")
    pk = created.json()["id"]
    original = exact(pk)
    url = f"{ITEMS}/{pk}"
    # Both load version 1.
    etag_a, etag_r = a.get(url)["ETag"], r.get(url)["ETag"]
    assert etag_a == etag_r == tag(pk, 1)
    saved = send(a, "PATCH", url, {"properties": {"morada": "Largo 5 de Outubro"}},
                 If_Match=etag_a)
    assert saved.status_code == 200
    stale = send(r, "PATCH", url, {"properties": {"contacto": "244 000 000"}}, If_Match=etag_r)
    assert stale.status_code == 412
    assert stale.json()["properties"]["morada"] == "Largo 5 de Outubro"
    assert stale["ETag"] == tag(pk, 2)
    # Rui reconciles with the state he was given: both changes survive.
    merged = send(r, "PATCH", url, {"properties": {"contacto": "244 000 000"}},
                  If_Match=stale["ETag"])
    assert merged.status_code == 200
    row = THEME_MODELS["equipamentos"].objects.get(pk=pk)
    assert (row.morada, row.contacto, row.row_version) == ("Largo 5 de Outubro",
                                                           "244 000 000", 3)
    first = a.get(f"{url}/historico").json()["alteracoes"][0]["alteracao"]
    reverted = send(a, "POST", f"{url}/reverter", {"alteracao": first}, If_Match=tag(pk, 3))
    assert reverted.status_code == 200
    after = exact(pk)
    assert after[1] == original[1]
    assert {k: v for k, v in after[0].items() if k not in ("created_at",)} == \
        {k: v for k, v in original[0].items() if k not in ("created_at",)}


def test_database_rejects_a_stale_version_even_without_the_application_check(ana):
    """The row_version trigger is the last line: a forged stale UPDATE gets SG412 → 412."""
    from sig.editing.acting import acting_as

    theme = features.get_theme("equipamentos")
    a = signed_in("ana")
    pk = send(a, "POST", ITEMS, equipamento(), Content_Crs="EPSG:3763").json()["id"]
    send(a, "PATCH", f"{ITEMS}/{pk}", {"properties": {"nome": "v2"}}, If_Match=tag(pk, 1))
    with pytest.raises(EditingError) as caught:
        with features.database_errors(), acting_as(ana, "sig-tests"):
            features.scoped(theme, ana).filter(pk=pk).update(nome="velho", row_version=1)
    assert caught.value.status == 412 and caught.value.sqlstate == "SG412"
    assert THEME_MODELS["equipamentos"].objects.get(pk=pk).nome == "v2"


def test_bulk_change_is_all_or_nothing(ana):
    a = signed_in("ana")
    ids = [send(a, "POST", ITEMS, equipamento(nome=f"E{i}"),
                Content_Crs="EPSG:3763").json()["id"] for i in range(3)]
    send(a, "PATCH", f"{ITEMS}/{ids[2]}", {"properties": {"nome": "mudado"}},
         If_Match=tag(ids[2], 1))
    body = {"versoes": {str(i): 1 for i in ids}, "properties": {"tipo": "desporto"}}
    response = send(a, "POST", f"{EDITOR_API}/equipamentos/lote", body)
    assert response.status_code == 412
    tipos = set(THEME_MODELS["equipamentos"].objects.filter(pk__in=ids)
                .values_list("tipo", flat=True))
    assert tipos == {"cultura"}
    body["versoes"][str(ids[2])] = 2
    response = send(a, "POST", f"{EDITOR_API}/equipamentos/lote", body)
    assert response.status_code == 200, response.content
    assert response.json()["versoes"] == {str(ids[0]): 2, str(ids[1]): 2, str(ids[2]): 3}
    tipos = set(THEME_MODELS["equipamentos"].objects.filter(pk__in=ids)
                .values_list("tipo", flat=True))
    assert tipos == {"desporto"}
