"""The triage page of the web editor, `/editor/ocorrencias/`: the queue, a map of the
occurrences and the detail, all through the triage JSON API (`sig.ocorrencias.triage_views`).
The editor is pt-PT only, as the rest of the editing area."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sig.conf import get_settings
from sig.editing.accounts import ADMIN, Actor, actor_for
from sig.ocorrencias.categories import get_categories
from sig.ocorrencias.public import STATE_LABELS
from sig.territory.models import Municipio

API = "/editor/api/ocorrencias/"
# The maps service's rendered basemap (WMTS, Web Mercator), as the web map draws it.
BASEMAP = "/maps/wmts/mapa_base/GLOBAL_WEBMERCATOR/{z}/{x}/{y}.png"
# State steps the page offers, as acl.ocorrencia_proximo_estado (which decides) allows them.
NEXT_STATES = {
    "nova": ["em_analise", "rejeitada", "duplicada"],
    "em_analise": ["em_resolucao", "resolvida", "rejeitada", "duplicada"],
    "em_resolucao": ["resolvida", "em_analise", "rejeitada", "duplicada"],
    "resolvida": ["em_analise"], "rejeitada": ["em_analise"], "duplicada": ["em_analise"],
}


def _municipios(actor: Actor) -> list[dict[str, str]]:
    served = [d for d in get_settings().municipios if d in actor.municipios]
    names = dict(Municipio.objects.filter(dico__in=served).values_list("dico", "nome"))
    return [{"dico": d, "nome": names.get(d, d)} for d in served]


def triage_config(actor: Actor) -> dict[str, Any]:
    """The page's start-up data (served inside the page as JSON, never as script)."""
    return {
        "api": API, "basemap": BASEMAP, "admin": actor.role == ADMIN,
        "municipios": _municipios(actor),
        "categorias": [{"codigo": c.code, "titulo": c.title.pt} for c in get_categories()],
        "estados": {code: labels["pt"] for code, labels in STATE_LABELS.items()},
        "proximos": NEXT_STATES, "statusPage": "/ocorrencias/{codigo}/",
        "feature": "/ogcapi/collections/{tema}/items/{id}?f=json",
    }


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not actor.can_edit:
        return HttpResponseForbidden("a triagem de ocorrências é para técnicos municipais\n",
                                     content_type="text/plain; charset=utf-8")
    return render(request, "ocorrencias/triagem.html",
                  {"actor": actor, "config": triage_config(actor),
                   "estados": [(c, labels["pt"]) for c, labels in STATE_LABELS.items()]})
