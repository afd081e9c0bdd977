"""Every write path meets the same rules: an editor of 1009 edits 1009 features and is refused,
with a clear error, on 1010 features — create, update, delete and re-tagging either way — and
nothing changes. Each accepted change has its audit row naming the right person."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from sig.editing import features
from sig.editing.accounts import get_user, new_token
from sig.editing.attributes import clean_properties
from sig.editing.geometry import PTTM06, parse_geometry
from sig.themes.models import THEME_MODELS
from tests.editing.conftest import POINT_1009, POINT_1010, equipamento, send, tag

Equipamento = THEME_MODELS["equipamentos"]
PTTM06_URI = "<http://www.opengis.net/def/crs/EPSG/0/3763>"
MOUNTS = ("/editor/api/collections", "/ogcapi/collections")

pytestmark = pytest.mark.django_db


def audit_rows(pk: int) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT op, db_user, app_user, application_name FROM audit.change_log "
                       "WHERE table_name = 'equipamentos' AND row_id = %s ORDER BY id", [pk])
        return cursor.fetchall()


def snapshot(pk: int) -> tuple:
    row = Equipamento.objects.get(pk=pk)
    return (row.municipio_id, row.nome, row.row_version, row.geom.wkt, len(audit_rows(pk)))


@pytest.fixture
def neighbour(marta) -> int:
    """A feature of Marinha Grande (1010), created by its own editor."""
    theme = features.get_theme("equipamentos")
    geometry = parse_geometry({"type": "Point", "coordinates": list(POINT_1010)},
                              theme.geometry, PTTM06)
    values = clean_properties(theme, {"tipo": "saude", "nome": "Do vizinho"}, partial=False)
    return features.create_feature(marta, theme, geometry, values, application="sig-tests")


@pytest.fixture(params=MOUNTS, ids=["editor", "ogcapi"])
def http_path(request, client, ana):
    """The web editor's endpoint (session + CSRF) or the OGC API (token)."""
    mount = request.param
    if mount.startswith("/editor"):
        client.force_login(get_user("ana"))
        return client, mount, {}
    return client, mount, {"Authorization": f"Bearer {new_token('ana')}"}


def call(path_fixture, method, suffix, body=None, **headers):
    client, mount, auth = path_fixture
    headers = {"Content-Crs": PTTM06_URI} | auth | headers
    return send(client, method, f"{mount}/equipamentos/items{suffix}", body,
                **{k.replace("-", "_"): v for k, v in headers.items()})


def test_http_paths_edit_own_municipality(http_path):
    created = call(http_path, "POST", "", equipamento(POINT_1009))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    changed = call(http_path, "PATCH", f"/{pk}", {"properties": {"nome": "Alterado"}},
                   If_Match=tag(pk, 1))
    assert changed.status_code == 200 and changed.json()["properties"]["nome"] == "Alterado"
    assert call(http_path, "DELETE", f"/{pk}", If_Match=tag(pk, 2)).status_code == 204
    rows = audit_rows(pk)
    assert [r[0] for r in rows] == ["I", "U", "D"]
    assert {(r[1], r[2]) for r in rows} == {("sig_app", "ana")}
    application = "sig-editor" if http_path[1].startswith("/editor") else "sig-api"
    # The application name says which check let the write through.
    assert [r[3] for r in rows] == [application, f"{application}:if-match",
                                    f"{application}:if-match"]


def test_http_paths_refuse_neighbour_features(http_path, neighbour):
    before = snapshot(neighbour)
    response = call(http_path, "POST", "", equipamento(POINT_1010))
    assert response.status_code == 403 and "município 1010" in response.json()["description"]
    for method, body in (("PATCH", {"properties": {"nome": "x"}}),
                         ("PUT", equipamento(POINT_1010)), ("DELETE", None)):
        response = call(http_path, method, f"/{neighbour}", body, If_Match=tag(neighbour, 1))
        assert response.status_code == 403, (method, response.content)
        assert "pertence ao município 1010" in response.json()["description"]
    retag = {"properties": {"municipio": "1009"}}
    response = call(http_path, "PATCH", f"/{neighbour}", retag, If_Match=tag(neighbour, 1))
    assert response.status_code == 403
    assert snapshot(neighbour) == before


def test_http_paths_refuse_retagging_own_feature_to_neighbour(http_path):
    pk = call(http_path, "POST", "", equipamento(POINT_1009)).json()["id"]
    before = snapshot(pk)
    response = call(http_path, "PATCH", f"/{pk}", {"properties": {"municipio": "1010"}},
                    If_Match=tag(pk, 1))
    assert response.status_code == 403
    assert "município 1010" in response.json()["description"]
    assert snapshot(pk) == before


def test_database_refuses_even_when_the_application_check_is_skipped(ana, neighbour):
    """The app's own check is not the only guard: the database stops a forged write."""
    from django.db import DatabaseError

    from sig.editing.acting import acting_as

    with pytest.raises(DatabaseError, match="pertence ao município 1010"):
        with acting_as(ana, "sig-tests"):
            Equipamento.objects.filter(pk=neighbour).update(nome="forjado")
    assert Equipamento.objects.get(pk=neighbour).nome == "Do vizinho"


# ---- the QGIS path: a personal login made by `sig grant-qgis`, running SQL ------------------

INSERT = ("INSERT INTO equipamentos (municipio, tipo, nome, geom) "
          "VALUES (%s, 'cultura', 'QGIS', ST_SetSRID(ST_MakePoint(%s, %s), 3763)) RETURNING id")


@pytest.fixture
def qgis_conn(ana):
    from sig.editing import qgis
    from sig.editing.accounts import actor_for

    granted = qgis.grant(actor_for(get_user("ana")), password="qgis-Leiria-2026")
    from sig.db.connect import connect_login

    with connect_login(granted.login, "qgis-Leiria-2026", application_name="QGIS") as conn:
        yield conn
        conn.rollback()


@pytest.fixture
def committed_neighbour(caop):
    """A 1010 feature committed by the owner (the QGIS login has its own connection)."""
    from sig.db.connect import connect_as

    with connect_as("owner") as conn:
        pk = conn.execute(INSERT, ("1010", *POINT_1010)).fetchone()[0]
        conn.commit()
        yield pk
        conn.execute("DELETE FROM equipamentos WHERE id = %s", (pk,))
        conn.commit()


def test_qgis_login_edits_own_municipality_with_audit(qgis_conn):
    pk = qgis_conn.execute(INSERT, ("1009", *POINT_1009)).fetchone()[0]
    qgis_conn.execute("UPDATE equipamentos SET nome = 'QGIS 2' WHERE id = %s", (pk,))
    qgis_conn.execute("DELETE FROM equipamentos WHERE id = %s", (pk,))
    qgis_conn.commit()
    from sig.db.connect import connect_as

    with connect_as("app") as app:
        rows = app.execute(
            "SELECT op, db_user, app_user, application_name FROM audit.change_log "
            "WHERE table_name = 'equipamentos' AND row_id = %s ORDER BY id", (pk,)).fetchall()
    assert rows == [(op, "qgis_ana", None, "QGIS") for op in "IUD"]


def test_qgis_login_is_refused_on_neighbour_features(qgis_conn, committed_neighbour):
    statements = [
        ("INSERT", INSERT, ("1010", *POINT_1010)),
        ("UPDATE", "UPDATE equipamentos SET nome = 'x' WHERE id = %s", (committed_neighbour,)),
        ("DELETE", "DELETE FROM equipamentos WHERE id = %s", (committed_neighbour,)),
        ("RETAG", "UPDATE equipamentos SET municipio = '1009' WHERE id = %s",
         (committed_neighbour,)),
    ]
    for _name, statement, params in statements:
        with pytest.raises(errors.InsufficientPrivilege, match="1010"):
            qgis_conn.execute(statement, params)
        qgis_conn.rollback()
    own = qgis_conn.execute(INSERT, ("1009", *POINT_1009)).fetchone()[0]
    with pytest.raises(errors.InsufficientPrivilege, match="município 1010"):
        qgis_conn.execute("UPDATE equipamentos SET municipio = '1010' WHERE id = %s", (own,))
    qgis_conn.rollback()
    row = qgis_conn.execute("SELECT nome, municipio FROM equipamentos WHERE id = %s",
                            (committed_neighbour,)).fetchone()
    assert row == ("QGIS", "1010")


# ---- nobody but the triggers writes the audit log -------------------------------------------

def _audit_writes():
    return [
        "INSERT INTO audit.change_log (table_name, row_id, op, db_user, db_role) "
        "VALUES ('equipamentos', 1, 'I', 'x', 'x')",
        "UPDATE audit.change_log SET app_user = 'outro'",
        "DELETE FROM audit.change_log",
        "TRUNCATE audit.change_log",
    ]


def test_app_role_cannot_write_the_audit_log(caop):
    from sig.db.connect import connect_as

    with connect_as("app") as conn:
        for statement in _audit_writes():
            with pytest.raises(psycopg.Error):
                conn.execute(statement)
            conn.rollback()


def test_editor_login_cannot_write_or_read_the_audit_log(qgis_conn):
    for statement in _audit_writes() + ["SELECT count(*) FROM audit.change_log"]:
        with pytest.raises(errors.InsufficientPrivilege):
            qgis_conn.execute(statement)
        qgis_conn.rollback()
