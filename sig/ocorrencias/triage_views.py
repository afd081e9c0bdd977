"""JSON endpoints of triage for the web editor, under `/editor/api/ocorrencias/`, with the
editor's authentication (session with CSRF, API token or Basic)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sig.editing.errors import EditingError
from sig.editing.http import api_view, json_response, read_json, require_person
from sig.ocorrencias import triage


@require_GET
@api_view
def listing(request: HttpRequest) -> HttpResponse:
    actor = require_person(request)
    found = triage.listing(actor, estado=request.GET.get("estado") or None,
                           atrasadas=request.GET.get("atrasadas") in ("1", "true"),
                           municipio=request.GET.get("municipio") or None)
    return json_response({"ocorrencias": found, "total": len(found)})


@require_GET
@api_view
def detail(request: HttpRequest, codigo: str) -> HttpResponse:
    return json_response(triage.detail(require_person(request), codigo))


def _body(request: HttpRequest) -> dict:
    body = read_json(request)
    if not isinstance(body, dict):
        raise EditingError(gettext("o corpo tem de ser um objeto JSON"))
    return body


@csrf_exempt  # require_person checks CSRF for session requests
@require_POST
@api_view
def change(request: HttpRequest, codigo: str) -> HttpResponse:
    actor = require_person(request)
    body = _body(request)
    version = body.pop("row_version", None)
    return json_response(triage.change(actor, codigo, body, version))


@csrf_exempt
@require_POST
@api_view
def note(request: HttpRequest, codigo: str) -> HttpResponse:
    actor = require_person(request)
    body = _body(request)
    publico = body.get("publico") is True
    return json_response(triage.add_note(actor, codigo, body.get("texto"), publico), status=201)


@require_GET
@api_view
def photo(request: HttpRequest, foto_id: int) -> HttpResponse:
    content = triage.photo(require_person(request), foto_id)
    response = HttpResponse(content, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
