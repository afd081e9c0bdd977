"""The Linha Verde report page at /ocorrencias/: GET shows the page (map, address search,
device location, photos) in the visitor's language; POST is the report endpoint of
`sig.ocorrencias.views` (form or JSON), unchanged."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sig.conf import get_settings
from sig.i18n import choose_language, javascript_catalog
from sig.ocorrencias import abuse, photos
from sig.ocorrencias import views as ocorrencias_views
from sig.web import mapconfig
from sig.web.pages import render_page

SEARCH = "/dados/api/pesquisa"


def page_config(lang: str) -> dict[str, Any]:
    """What the page's script needs, embedded as JSON (no extra request before the map)."""
    municipios, _ = mapconfig.places()
    return {
        "lang": lang, "catalog": javascript_catalog(), "basemaps": mapconfig.basemaps(),
        "home": mapconfig.home_extent(municipios), "search": SEARCH, "submit": "/ocorrencias/",
        "formJson": "/ocorrencias/formulario.json", "maxPhotos": photos.MAX_PHOTOS,
        "maxPhotoMb": get_settings().ocorrencias_photo_max_mb,
    }


def _show(request: HttpRequest) -> HttpResponse:
    lang = choose_language(request)
    context = {
        "section": "report", "config": page_config(lang),
        "categorias": ocorrencias_views.categories_json(lang),
        "formulario": abuse.form_token(), "armadilha": abuse.HONEYPOT,
        "max_fotografias": photos.MAX_PHOTOS,
    }
    response = render_page(request, "web/ocorrencias/reportar.html", context)
    response["Cache-Control"] = "no-store"  # the form token is fresh on every visit
    return response


@csrf_exempt  # as the endpoint it wraps: anonymous, guarded by the form token and limits
def report(request: HttpRequest) -> HttpResponse:
    """GET: the page; anything else: the report endpoint (POST, or its 405)."""
    if request.method in ("GET", "HEAD"):
        return _show(request)
    return ocorrencias_views.report(request)
