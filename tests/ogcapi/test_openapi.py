"""The OpenAPI document: valid OpenAPI 3.0, self-contained (no remote references), publishing
the paging limits; schemathesis fuzzes every operation on loopback without a 5xx."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pygeoapi.openapi import validate_openapi_document

from sig.ogcapi.collections import get_collections
from sig.ogcapi.openapi import build_document, write_document


def refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def resolve(document: dict, ref: str) -> dict:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_document_is_valid_and_self_contained():
    document = build_document("http://127.0.0.1:8000/ogcapi")
    assert validate_openapi_document(document)
    references = refs(document)
    assert references and all(ref.startswith("#/") for ref in references)
    for ref in set(references):
        assert resolve(document, ref)  # every local reference resolves


def test_limits_and_paths_for_every_collection():
    document = build_document("http://127.0.0.1:8000/ogcapi")
    for collection_id in get_collections():
        items = document["paths"][f"/collections/{collection_id}/items"]["get"]
        limit = next(p for p in items["parameters"] if p.get("name") == "limit")
        assert limit["schema"]["maximum"] == 10000 and limit["schema"]["default"] == 100
        assert "200" in items["responses"] and "400" in items["responses"]
    assert "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}" in document["paths"]


def test_served_document_and_sig_command(api, tmp_path):
    served = json.loads(api.get("/ogcapi/openapi").content)
    assert served["servers"][0]["url"] == "http://testserver/ogcapi"
    path = write_document("https://sig.example/ogcapi", tmp_path / "openapi.json")
    assert json.loads(path.read_text())["servers"][0]["url"] == "https://sig.example/ogcapi"


def test_documentation_page_links_the_document_for_either_ui(api):
    """No OpenAPI UI is served from a CDN: Swagger's page and ReDoc's are the same local page."""
    for ui in ("swagger", "redoc"):
        response = api.get("/ogcapi/openapi", {"f": "html", "ui": ui})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Documentação da API" in page and "/openapi?f=json" in page
        assert "cdn" not in page.lower() and "unpkg" not in page.lower()


def test_schemathesis_finds_no_server_error(server):
    """Bounded (time and examples), loopback only; every operation of the document."""
    status, _, _ = server.get("/openapi")
    assert status == 200
    checks = ("not_a_server_error,status_code_conformance,content_type_conformance,"
              "response_schema_conformance")
    command = [str(Path(sys.executable).parent / "schemathesis"), "run",
               f"{server.api}/openapi", "--checks", checks, "--max-examples", "3",
               "--max-time", "60", "--phases", "examples,coverage,fuzzing", "--seed", "2026",
               "--workers", "2", "--request-timeout", "30", "--continue-on-failure"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert "passed" in summary and "Server error" not in summary
