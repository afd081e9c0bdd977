"""Conditional requests: collection ETag / Last-Modified change on every committed edit,
import or bulk load (from any path) and are answered with 304 otherwise; counts stay exact."""

from __future__ import annotations

import json

import psycopg
import pytest

from sig.conf import get_settings
from tests.conftest import act_as

ITEMS = "/ogcapi/collections/equipamentos/items"


def first_1009(reader) -> tuple[int, int]:
    return reader.execute("SELECT id, row_version FROM equipamentos WHERE municipio = '1009' "
                          "ORDER BY id LIMIT 1").fetchone()


def test_items_304_and_new_etag_after_an_edit(api, app, reader):
    first = api.get(ITEMS, {"limit": "5"})
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"') and modified.endswith("GMT")
    assert first["Cache-Control"] == "no-cache"
    assert api.get(ITEMS, {"limit": "5"}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get(ITEMS, {"limit": "5"}, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert api.get(ITEMS, {"limit": "6"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    item_id, version = first_1009(reader)
    item = api.get(f"{ITEMS}/{item_id}")
    assert item["ETag"] == f'"{item_id}-{version}"'
    act_as(app, "teste-ogcapi", ["1009"])
    app.execute("UPDATE equipamentos SET contacto = 'ETag' WHERE id = %s", (item_id,))
    app.commit()
    after = api.get(ITEMS, {"limit": "5"}, HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after["ETag"] != etag
    assert api.get(f"{ITEMS}/{item_id}")["ETag"] == f'"{item_id}-{version + 1}"'
    assert api.get(f"{ITEMS}/{item_id}", HTTP_IF_NONE_MATCH=item["ETag"]).status_code == 200


def test_counts_follow_inserts_and_deletes_by_an_editor(api, app, reader):
    def matched() -> int:
        return json.loads(api.get(ITEMS, {"municipio": "1009", "limit": "1"}).content)[
            "numberMatched"]

    before = matched()
    act_as(app, "teste-ogcapi", ["1009"])
    new_id = app.execute(
        "INSERT INTO equipamentos (municipio, tipo, nome, geom) SELECT municipio, tipo, "
        "'novo', geom FROM equipamentos WHERE municipio = '1009' LIMIT 1 RETURNING id"
    ).fetchone()[0]
    app.commit()
    assert matched() == before + 1
    act_as(app, "teste-ogcapi", ["1009"])
    app.execute("DELETE FROM equipamentos WHERE id = %s", (new_id,))
    app.commit()
    assert matched() == before == reader.execute(
        "SELECT count(*) FROM equipamentos WHERE municipio = '1009'").fetchone()[0]


def test_bulk_load_with_triggers_off_still_changes_the_etag(api, owner, reader):
    first = api.get("/ogcapi/collections/equipamentos")
    page = json.loads(api.get(ITEMS, {"limit": "1"}).content)
    owner.execute("ALTER TABLE equipamentos DISABLE TRIGGER USER")
    owner.execute("INSERT INTO equipamentos (municipio, tipo, nome, geom, fonte) SELECT "
                  "municipio, tipo, 'carga', geom, 'teste-ogcapi' FROM equipamentos LIMIT 3")
    owner.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as `sig demo` does
    owner.execute("ALTER TABLE equipamentos ENABLE TRIGGER USER")
    owner.commit()
    try:
        again = api.get("/ogcapi/collections/equipamentos", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 200 and again["ETag"] != first["ETag"]
        now = json.loads(api.get(ITEMS, {"limit": "1"}).content)
        assert now["numberMatched"] == page["numberMatched"] + 3 == reader.execute(
            "SELECT count(*) FROM equipamentos").fetchone()[0]
    finally:
        owner.execute("DELETE FROM equipamentos WHERE fonte = 'teste-ogcapi'")
        owner.commit()
    assert json.loads(api.get(ITEMS, {"limit": "1"}).content)["numberMatched"] == \
        page["numberMatched"]


def test_collection_state_is_read_only_for_the_reader(reader):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        reader.execute("INSERT INTO ogcapi.collection_change (table_name, features) "
                       "VALUES ('equipamentos', 1)")


def test_writers_of_one_municipality_do_not_wait_for_each_other(app, api):
    """A long transaction (an import) and a web edit of the same theme and municipality."""
    settings = get_settings()
    ids = [row[0] for row in app.execute(
        "SELECT id FROM equipamentos WHERE municipio = '1009' ORDER BY id LIMIT 2")]
    app.rollback()
    before = api.get(ITEMS, {"limit": "1"})["ETag"]
    with psycopg.connect(settings.database_url) as long, \
            psycopg.connect(settings.database_url) as quick:
        act_as(long, "importacao", ["1009"])
        long.execute("UPDATE equipamentos SET contacto = 'longa' WHERE id = %s", (ids[0],))
        act_as(quick, "web", ["1009"])
        quick.execute("SET LOCAL lock_timeout = '3s'")
        quick.execute("UPDATE equipamentos SET contacto = 'rápida' WHERE id = %s", (ids[1],))
        quick.commit()  # did not wait for the open transaction
        middle = api.get(ITEMS, {"limit": "1"})["ETag"]
        long.commit()
    after = api.get(ITEMS, {"limit": "1"})["ETag"]
    assert len({before, middle, after}) == 3
