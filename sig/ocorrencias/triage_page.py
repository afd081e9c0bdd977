"""The triage page of the web editor, `/editor/ocorrencias/`: the queue, a map of the
occurrences and the detail, all through the triage JSON API (`sig.ocorrencias.triage_views`).
In pt-PT or English, as the rest of the editing area: the page's texts and the script's
catalogue follow `?lang=`, category and state labels take their own language."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from sig.conf import get_settings
from sig.editing.accounts import ADMIN, Actor, actor_for
from sig.i18n import choose_language, javascript_catalog
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


def triage_config(actor: Actor, lang: str = "pt") -> dict[str, Any]:
    """The page's start-up data (served inside the page as JSON, never as script), with the
    `djangojs` catalogue of the active language as the web map's."""
    return {
        "lang": lang, "catalog": javascript_catalog(),
        "api": API, "basemap": BASEMAP, "admin": actor.role == ADMIN,
        "municipios": _municipios(actor),
        "categorias": [{"codigo": c.code, "titulo": getattr(c.title, lang)}
                       for c in get_categories()],
        "estados": {code: labels[lang] for code, labels in STATE_LABELS.items()},
        "proximos": NEXT_STATES, "statusPage": "/ocorrencias/{codigo}/",
        "feature": "/ogcapi/collections/{tema}/items/{id}?f=json",
    }


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not actor.can_edit:
        refusal = gettext("a triagem de ocorrências é para técnicos municipais")
        return HttpResponseForbidden(f"{refusal}\n", content_type="text/plain; charset=utf-8")
    lang = choose_language(request)
    return render(request, "ocorrencias/triagem.html",
                  {"actor": actor, "config": triage_config(actor, lang),
                   "estados": [(c, labels[lang]) for c, labels in STATE_LABELS.items()]})
