"""QGIS ≥ 3.32 editing an OGC API Features layer, replayed request by request against the
running service: OPTIONS probes, a create with Content-Crs, an attribute merge patch, a
geometry merge patch, a whole-feature PUT, a stale PUT, a delete — with HTTP Basic
authentication and never an If-Match, as QGIS sends them. After each step: the database
state and the audit entry."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest

from sig.conf import get_settings

ITEMS = "/collections/equipamentos/items"
PTTM06 = "<http://www.opengis.net/def/crs/EPSG/0/3763>"
CASTLE = [-57826.0, 9015.0]  # Leiria, EPSG:3763
MOVED = [-57700.0, 9100.0]
SIG = str(Path(sys.executable).parent / "sig")
READS = {"GET", "HEAD", "OPTIONS"}


def add_person(role: str, municipios: str = "") -> tuple[str, str]:
    """A person made with `sig user add`, as CIMRL staff make them; returns (name, password)."""
    name, password = f"qgis.{role}.{secrets.token_hex(3)}", f"Castelo-{secrets.token_hex(6)}"
    command = [SIG, "user", "add", name, "--role", role, "--password-stdin"]
    command += ["--municipio", municipios] if municipios else []
    subprocess.run(command, input=password + "\n", text=True, check=True, env=os.environ.copy(),
                   capture_output=True)
    return name, password


@pytest.fixture(scope="module")
def ana() -> tuple[str, str]:
    return add_person("editor", "1009")


@pytest.fixture(scope="module")
def rui() -> tuple[str, str]:
    return add_person("editor", "1009")


@pytest.fixture(scope="module")
def vera() -> tuple[str, str]:
    return add_person("viewer")


def send(server, method: str, path: str, person: tuple[str, str] | None = None,
         body: dict | None = None, **headers: str) -> tuple[int, dict, dict | None]:
    """One request as QGIS makes it: Basic credentials, JSON body, no If-Match."""
    if person:
        pair = base64.b64encode(f"{person[0]}:{person[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers.setdefault("Content-Type", "application/geo+json")
    request = urllib.request.Request(server.api + path, data=data, method=method,
                                     headers={k.replace("_", "-"): v for k, v in headers.items()})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, answer, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, answer, raw = error.code, dict(error.headers), error.read()
    return status, answer, json.loads(raw) if raw else None


def allow(server, path: str, person) -> set[str]:
    status, headers, _ = send(server, "OPTIONS", path, person)
    assert status == 204
    return set(headers["Allow"].split(", "))


def row(pk: int) -> tuple | None:
    with psycopg.connect(get_settings().database_owner_url) as conn:
        return conn.execute("SELECT nome, morada, row_version, round(ST_X(geom)), "
                            "round(ST_Y(geom)) FROM equipamentos WHERE id = %s",
                            (pk,)).fetchone()


def last_audit(pk: int) -> tuple:
    with psycopg.connect(get_settings().database_owner_url) as conn:
        return conn.execute("SELECT op, app_user, application_name, new_values, "
                            "new_geom IS NOT NULL FROM audit.change_log WHERE "
                            "table_name = 'equipamentos' AND row_id = %s ORDER BY id DESC "
                            "LIMIT 1", (pk,)).fetchone()


def as_qgis_holds_it(feature: dict) -> dict:
    """The whole feature as QGIS sends it back on a PUT: every field it read."""
    return {"type": "Feature", "geometry": feature["geometry"],
            "properties": dict(feature["properties"])}


def test_qgis_edits_with_basic_auth_and_no_if_match(server, ana, rui):
    assert "POST" in allow(server, ITEMS, ana)
    assert {"PUT", "PATCH", "DELETE"} <= allow(server, f"{ITEMS}/unknown_id", ana)

    # Create, in the layer's CRS.
    new = {"type": "Feature", "geometry": {"type": "Point", "coordinates": CASTLE},
           "properties": {"tipo": "cultura", "nome": "Casa-museu", "morada": None}}
    status, headers, created = send(server, "POST", ITEMS, ana, new, Content_Crs=PTTM06)
    assert status == 201, created
    pk = created["id"]
    assert headers["Location"].endswith(f"{ITEMS}/{pk}")
    assert row(pk) == ("Casa-museu", None, 1, CASTLE[0], CASTLE[1])
    assert last_audit(pk)[:3] == ("I", ana[0], "sig-api")
    assert {"PUT", "PATCH", "DELETE"} <= allow(server, f"{ITEMS}/{pk}", ana)

    # Attribute change: a merge patch with the changed property only.
    patch = {"properties": {"nome": "Casa-museu de Leiria"}}
    status, _, body = send(server, "PATCH", f"{ITEMS}/{pk}", ana, patch,
                           Content_Type="application/merge-patch+json")
    assert status == 200, body
    assert row(pk) == ("Casa-museu de Leiria", None, 2, CASTLE[0], CASTLE[1])
    op, who, application, changed, moved = last_audit(pk)
    assert (op, who, application, moved) == ("U", ana[0], "sig-api:merge", False)
    assert set(changed) == {"nome"}

    # Meanwhile another editor sets the address (with If-Match, as the web editor does).
    status, _, _ = send(server, "PATCH", f"{ITEMS}/{pk}", rui,
                        {"properties": {"morada": "Rua do Castelo"}}, If_Match=f'"{pk}-2"')
    assert status == 200

    # Geometry change: a merge patch with the geometry only keeps the other editor's address.
    status, _, body = send(server, "PATCH", f"{ITEMS}/{pk}", ana,
                           {"geometry": {"type": "Point", "coordinates": MOVED}},
                           Content_Type="application/merge-patch+json", Content_Crs=PTTM06)
    assert status == 200, body
    assert row(pk) == ("Casa-museu de Leiria", "Rua do Castelo", 4, MOVED[0], MOVED[1])
    assert last_audit(pk)[2:] == ("sig-api:merge", {}, True)

    # Whole-feature PUT of what QGIS read: checked against the row_version it carries.
    _, _, current = send(server, "GET", f"{ITEMS}/{pk}?crs=EPSG:3763", ana)
    whole = as_qgis_holds_it(current)
    whole["properties"]["nome"] = "Casa-museu (renovada)"
    status, _, body = send(server, "PUT", f"{ITEMS}/{pk}", ana, whole, Content_Crs=PTTM06)
    assert status == 200, body
    assert row(pk) == ("Casa-museu (renovada)", "Rua do Castelo", 5, MOVED[0], MOVED[1])
    assert last_audit(pk)[2] == "sig-api:row_version"

    # A stale PUT (the version QGIS read before) is refused and nothing is lost.
    stale = as_qgis_holds_it(current)
    stale["properties"]["nome"] = "Versão antiga"
    status, _, body = send(server, "PUT", f"{ITEMS}/{pk}", ana, stale, Content_Crs=PTTM06)
    assert status == 412 and body["properties"]["row_version"] == 5
    assert row(pk) == ("Casa-museu (renovada)", "Rua do Castelo", 5, MOVED[0], MOVED[1])

    # Delete: the current version.
    status, _, _ = send(server, "DELETE", f"{ITEMS}/{pk}", ana)
    assert status == 204 and row(pk) is None
    assert last_audit(pk)[:3] == ("D", ana[0], "sig-api:current")


def test_a_viewer_is_refused_every_write_and_nothing_changes(server, ana, vera):
    new = {"type": "Feature", "geometry": {"type": "Point", "coordinates": CASTLE},
           "properties": {"tipo": "cultura", "nome": "Do editor"}}
    status, _, created = send(server, "POST", ITEMS, ana, new, Content_Crs=PTTM06)
    assert status == 201
    pk = created["id"]
    assert allow(server, ITEMS, vera) == READS
    assert allow(server, f"{ITEMS}/{pk}", vera) == READS
    assert allow(server, f"{ITEMS}/{pk}", None) == READS
    attempts = [("POST", ITEMS, new), ("PATCH", f"{ITEMS}/{pk}", {"properties": {"nome": "x"}}),
                ("PUT", f"{ITEMS}/{pk}", as_qgis_holds_it(created)),
                ("DELETE", f"{ITEMS}/{pk}", None)]
    for method, path, body in attempts:
        status, _, answer = send(server, method, path, vera, body, Content_Crs=PTTM06)
        assert status == 403, (method, answer)
    assert row(pk) == ("Do editor", None, 1, CASTLE[0], CASTLE[1])


def test_wrong_basic_credentials_get_401_with_a_basic_challenge(server, ana):
    status, headers, body = send(server, "POST", ITEMS, (ana[0], "errada"), {"type": "Feature"})
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic ")
    assert body["code"] == "Unauthorized"


def test_schemathesis_writes_as_an_editor_find_no_server_error(server, ana):
    """The documented writes, fuzzed with an editor's credentials (bounded, loopback)."""
    command = [str(Path(sys.executable).parent / "schemathesis"), "run",
               f"{server.api}/openapi", "--checks", "not_a_server_error",
               "--auth", f"{ana[0]}:{ana[1]}", "--include-method", "POST",
               "--include-method", "PUT", "--include-method", "PATCH",
               "--include-method", "DELETE", "--include-tag", "equipamentos",
               "--include-tag", "rede_viaria", "--max-examples", "5", "--max-time", "60",
               "--phases", "examples,coverage,fuzzing", "--seed", "2026",
               "--request-timeout", "30", "--continue-on-failure"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "passed" in summary and "Server error" not in summary
