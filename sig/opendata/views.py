"""Open-data views: catalogue pages, streamed downloads, DCAT-AP catalogue, QGIS project and the
small JSON services of the web map. Thin: the work is in the modules they call."""

from __future__ import annotations

import logging

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_GET

from sig.opendata import (
    catalog,
    dcat,
    downloads,
    mapapi,
    presentation,
    qgisproject,
    rdf,
    territory,
)
from sig.opendata.exports import FORMAT_BY_EXTENSION, DownloadError, parse_download
from sig.opendata.publisher import ServiceLinks, links_for
from sig.opendata.snapshots import data_signature
from sig.registry import get_registry
from sig.web.i18n import choose_language
from sig.web.pages import render_page

log = logging.getLogger(__name__)

RDF_TYPES = {"jsonld": "application/ld+json", "ttl": "text/turtle"}


def _links(request: HttpRequest) -> ServiceLinks:
    return links_for(request.build_absolute_uri("/"))


def _bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message + "\n", content_type="text/plain; charset=utf-8")


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
        return _bad_request(f"município desconhecido: {municipio}")
    detail = presentation.theme_detail(registry[theme_id], catalog.stats(), areas,
                                       _links(request), choose_language(request), municipio)
    return render_page(request, "opendata/theme.html", {"theme": detail, "section": "data"})


@require_GET
def download(request: HttpRequest, theme_id: str, area: str, ext: str) -> HttpResponse:
    """A theme for one area in one format, streamed (`?crs=4326` for WGS 84)."""
    try:
        job = parse_download(theme_id, area, FORMAT_BY_EXTENSION[ext], request.GET.get("crs"))
    except DownloadError as exc:
        return _bad_request(str(exc))
    log.info("transferência %s", job.filename)
    if job.format.key in ("geojson", "csv"):
        response: HttpResponse = StreamingHttpResponse(
            downloads.open_stream(job), content_type=job.format.media_type)
        response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    else:
        path = downloads.prepared_file(job, data_signature())
        response = FileResponse(path.open("rb"), as_attachment=True, filename=job.filename,
                                content_type=job.format.media_type)
        response.block_size = downloads.CHUNK
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def catalogue(request: HttpRequest, fmt: str) -> HttpResponse:
    """The DCAT-AP catalogue, one Hydra page (`?page=`, `?page_size=`)."""
    try:
        page = int(request.GET.get("page", "1"))
        size = int(request.GET.get("page_size", str(dcat.PAGE_SIZE)))
        graph = dcat.build(catalog.stats(), territory.areas(), _links(request),
                           f"catalogo.{fmt}", page, size)
    except ValueError as exc:
        message = str(exc) if isinstance(exc, dcat.CatalogueError) else \
            "page e page_size devem ser números inteiros"
        return _bad_request(message)
    body = rdf.to_jsonld(graph) if fmt == "jsonld" else rdf.to_turtle(graph)
    return HttpResponse(body, content_type=f"{RDF_TYPES[fmt]}; charset=utf-8")


@require_GET
def qgis_project(request: HttpRequest) -> HttpResponse:
    """A QGIS project with every layer configured against this service."""
    lang = choose_language(request)
    body = qgisproject.project_xml(_links(request), territory.areas(), lang)
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
