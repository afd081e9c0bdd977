"""Request logs, error pages, database outages, security headers and request size limits."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

from sig.ops.logs import ContextFilter, JsonFormatter

pytestmark = pytest.mark.urls("tests.ops.urls")


@pytest.fixture
def json_log():
    """JSON lines written by the service's formatter, as the production handler does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = logging.getLogger("sig").level
    logging.getLogger("sig").setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    logging.getLogger("sig").setLevel(previous)


def test_an_error_is_a_plain_ptpt_page_and_a_logged_stack_trace(json_log):
    response = Client(raise_request_exception=False).get("/teste/falha")
    assert response.status_code == 500
    page = response.content.decode()
    assert 'lang="pt-PT"' in page and "Erro interno" in page
    assert "RuntimeError" not in page and "detalhe interno" not in page
    request_id = response["X-Request-ID"]
    lines = json_log()
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "ERROR" and error["request_id"] == request_id
    assert "Traceback" in error["exc"]
    assert "RuntimeError: falha de teste com detalhe interno" in error["exc"]
    access = next(line for line in lines if line["logger"] == "sig.request")
    assert access["status"] == 500 and access["path"] == "/teste/falha"


def test_a_5xx_answer_is_logged_with_its_request_id(json_log):
    response = Client().get("/teste/quinhentos")
    assert response.status_code == 500
    error = next(line for line in json_log() if line["logger"] == "django.request")
    assert error["request_id"] == response["X-Request-ID"]
    assert "request" not in error  # the request object itself is not dumped


@pytest.mark.django_db
def test_log_lines_carry_request_id_user_municipality_and_duration(json_log,
                                                                   django_user_model):
    user = django_user_model.objects.create_user("tecnica_leiria", password="x" * 20)
    client = Client()
    client.force_login(user)
    response = client.get("/teste/quem?para=1009",
                          headers={"X-Request-ID": "proxy-id-12345678"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-id-12345678"
    access = next(line for line in json_log() if line["logger"] == "sig.request")
    assert access["request_id"] == "proxy-id-12345678"
    assert access["user"] == "tecnica_leiria"
    assert access["municipio"] == "1009"
    assert access["method"] == "GET" and access["status"] == 200
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0


def test_a_malformed_request_id_is_replaced(json_log):
    response = Client().get("/healthz", headers={"X-Request-ID": "<script>"})
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


def test_municipality_from_the_query_is_logged(json_log):
    Client().get("/healthz?municipio=1010")
    logging.getLogger("sig.request").setLevel(logging.DEBUG)
    try:
        Client().get("/healthz?municipio=1010")
    finally:
        logging.getLogger("sig.request").setLevel(logging.NOTSET)
    access = [line for line in json_log() if line["logger"] == "sig.request"]
    assert access and access[-1]["municipio"] == "1010" and access[-1]["level"] == "DEBUG"


def test_not_found_and_forbidden_pages_are_plain_ptpt():
    response = Client().get("/nao-existe")
    assert response.status_code == 404
    assert "Página não encontrada" in response.content.decode()
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Pedido recusado por segurança" in page and "CSRF" not in page


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_database_outage_is_a_503_with_a_clear_message(accept, json_log):
    response = Client().get("/teste/sem-base", headers={"Accept": accept})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    text = response.content.decode()
    assert "A base de dados não está a responder" in text
    if accept == "application/json":
        assert response.json()["code"] == "ServiceUnavailable"
    else:
        assert "Serviço temporariamente indisponível" in text
    warning = next(line for line in json_log() if "indisponível" in line["message"])
    assert warning["level"] == "WARNING" and "127.0.0.1:1" in warning["message"]


def test_security_headers():
    response = Client().get("/healthz")
    csp = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"]
               .split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'self'" and csp["object-src"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_declared_body_over_the_upload_limit_is_refused_before_reading(settings):
    too_big = str(settings.SIG_MAX_UPLOAD_SIZE + 1)
    response = Client().generic("POST", "/teste/eco", b"{}", content_type="application/json",
                                CONTENT_LENGTH=too_big, headers={"Accept": "application/json"})
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "PayloadTooLarge"
    assert f"{settings.SIG_MAX_UPLOAD_SIZE / 1_000_000:g} MB" in body["description"]


def test_json_body_over_the_memory_limit_is_a_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post("/teste/eco", "x" * 2000, content_type="application/json")
    assert response.status_code == 413
    assert "0.001 MB" in response.content.decode()
    response = Client().post("/teste/eco", "x" * 900, content_type="application/json")
    assert response.json() == {"bytes": 900}
