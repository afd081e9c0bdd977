"""The pages under /dados/ that speak the visitor's language: the open-data catalogue pages,
the QGIS project and the small JSON services of the web map. Thin: the work is in
`sig.opendata`; downloads and the DCAT-AP catalogue are `sig.opendata.views`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from sig.i18n import choose_language
from sig.opendata import catalog, mapapi, presentation, qgisproject, territory
from sig.opendata.views import bad_request, service_links
from sig.registry import get_registry
from sig.web.pages import render_page


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    lang = choose_language(request)
    context = {"themes": presentation.themes_index(catalog.stats(), lang), "section": "data"}
    return render_page(request, "opendata/index.html", context)


@require_GET
def theme_page(request: HttpRequest, theme_id: str) -> HttpResponse:
    registry = get_registry()
    if theme_id not in registry or not registry[theme_id].exposure.downloads:
        raise Http404(f"tema desconhecido: {theme_id}")
    municipio = request.GET.get("municipio") or None
    areas = territory.areas()
    if municipio and municipio not in {a.code for a in areas}:
        return bad_request(f"município desconhecido: {municipio}")
    detail = presentation.theme_detail(registry[theme_id], catalog.stats(), areas,
                                       service_links(request), choose_language(request), municipio)
    return render_page(request, "opendata/theme.html", {"theme": detail, "section": "data"})


@require_GET
def qgis_project(request: HttpRequest) -> HttpResponse:
    """A QGIS project with every layer configured against this service."""
    lang = choose_language(request)
    body = qgisproject.project_xml(service_links(request), territory.areas(), lang)
    response = HttpResponse(body, content_type="application/x-qgis-project; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sig-cimrl.qgs"'
    return response


@require_GET
def identify(request: HttpRequest) -> JsonResponse:
    """Features of the visible layers near a point (`x`, `y` in EPSG:3857, `tol` in metres)."""
    try:
        query = mapapi.parse_identify(request.GET)
    except ValueError as exc:
        return JsonResponse({"erro": str(exc)}, status=400)
    return JsonResponse(mapapi.identify(query, choose_language(request)))


@require_GET
def search(request: HttpRequest) -> JsonResponse:
    """Municipalities, freguesias, facilities and addresses matching `q`."""
    text = request.GET.get("q", "").strip()
    if len(text) < 2:
        return JsonResponse({"erro": "escreva pelo menos 2 caracteres"}, status=400)
    return JsonResponse({"resultados": mapapi.search(text[:100])})
