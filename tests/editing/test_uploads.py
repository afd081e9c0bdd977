"""Files uploaded in the editor go through the import pipeline as the person who uploads them,
with progress, a summary, the quarantine download, and the same database rules."""

from __future__ import annotations

import io
import json
import uuid

import pyogrio
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sig.db.connect import connect_as
from sig.importing.errors import ImportRefused
from sig.importing.pipeline import Actor as ImportActor
from sig.importing.pipeline import ImportRequest, run_import
from tests.editing.conftest import CASTLE_CRS84, wait_for_job

pytestmark = pytest.mark.django_db
MARINHA_CRS84 = (-8.95, 39.75)


def geojson(name: str, features: list[tuple[str, tuple[float, float]]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "name": name, "features": [
        {"type": "Feature", "id": ref, "geometry": {"type": "Point", "coordinates": list(xy)},
         "properties": {"tipo": "cultura", "nome": f"Importado {ref}", "ref": ref}}
        for ref, xy in features]}).encode()


@pytest.fixture
def cleanup():
    runs: list[int] = []
    yield runs
    with connect_as("owner") as conn:
        conn.execute("DELETE FROM equipamentos WHERE import_run = ANY(%s)", (runs,))


def test_upload_imports_with_progress_summary_and_quarantine(as_ana, cleanup):
    name = f"upload_{uuid.uuid4().hex[:6]}"
    upload = SimpleUploadedFile(f"{name}.geojson", geojson(name, [
        ("a1", (CASTLE_CRS84[0] + 0.01, CASTLE_CRS84[1])), ("m1", MARINHA_CRS84)]))
    response = as_ana.post("/editor/api/importacoes", {"ficheiro": upload,
                                                      "tema": "equipamentos",
                                                      "municipio": "1009"})
    assert response.status_code == 202, response.content
    status = wait_for_job(as_ana, response.json()["estado_url"])
    cleanup.append(status["importacao"])
    assert status["estado"] == "concluida", status
    assert "inseridos 1" in status["resumo"] and "em quarentena 1" in status["resumo"]
    assert "fora do município 1009" in status["resumo"]
    with connect_as("app") as conn:
        audit = conn.execute(
            "SELECT c.app_user, c.application_name FROM audit.change_log c JOIN equipamentos e "
            "ON e.id = c.row_id AND c.table_name = 'equipamentos' WHERE e.import_run = %s",
            (status["importacao"],)).fetchall()
    assert audit == [("ana", "sig import")]
    download = as_ana.get(status["quarentena_url"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    frame = pyogrio.read_dataframe(io.BytesIO(content))
    assert len(frame) == 1


def test_upload_for_a_neighbour_municipality_is_refused(as_ana):
    upload = SimpleUploadedFile("x.geojson", geojson("x", [("m1", MARINHA_CRS84)]))
    response = as_ana.post("/editor/api/importacoes", {"ficheiro": upload,
                                                      "tema": "equipamentos",
                                                      "municipio": "1010"})
    assert response.status_code == 403
    assert "município 1010" in response.json()["description"]


def test_uploads_are_seen_only_by_their_owner(as_ana, cleanup, client, rui):
    from sig.editing.accounts import get_user

    upload = SimpleUploadedFile("y.geojson", geojson("y", [("a9", CASTLE_CRS84)]))
    job = as_ana.post("/editor/api/importacoes", {"ficheiro": upload, "tema": "equipamentos",
                                                 "municipio": "1009"}).json()
    status = wait_for_job(as_ana, job["estado_url"])
    cleanup.append(status["importacao"])
    client.force_login(get_user("rui"))
    assert client.get(job["estado_url"]).status_code == 404


def test_import_pipeline_is_held_to_the_same_rules(tmp_path, cleanup, caop):
    """The importer path: 1009 features created and updated; 1010 refused by the database."""
    source = tmp_path / "lote.geojson"
    source.write_bytes(geojson("lote", [("r1", CASTLE_CRS84)]))
    actor = ImportActor("ana", ("1009",))
    first = run_import(ImportRequest([source], "equipamentos", ("1009",)), actor)
    cleanup.append(first.run_id)
    assert (first.inserted, first.updated) == (1, 0)
    source.write_bytes(geojson("lote", [("r1", CASTLE_CRS84)]).replace(b"Importado r1",
                                                                       b"Renomeado r1"))
    second = run_import(ImportRequest([source], "equipamentos", ("1009",)), actor)
    cleanup.append(second.run_id)
    assert (second.inserted, second.updated) == (0, 1)
    with pytest.raises(ImportRefused, match="município 1010"):
        run_import(ImportRequest([source], "equipamentos", ("1010",)), actor)
