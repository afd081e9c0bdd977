"""Open-data views: streamed downloads and the DCAT-AP catalogue. Thin: the work is in the
modules they call. The pages under /dados/ that speak the visitor's language (catalogue pages,
QGIS project, the web map's JSON services) are `sig.web.dados`."""

from __future__ import annotations

import logging

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_GET

from sig.opendata import (
    catalog,
    dcat,
    downloads,
    ocorrencias,
    rdf,
    territory,
)
from sig.opendata.exports import FORMAT_BY_EXTENSION, DownloadError, parse_download
from sig.opendata.publisher import ServiceLinks, links_for
from sig.opendata.snapshots import data_signature

log = logging.getLogger(__name__)

RDF_TYPES = {"jsonld": "application/ld+json", "ttl": "text/turtle"}


def service_links(request: HttpRequest) -> ServiceLinks:
    return links_for(request.build_absolute_uri("/"))


def bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def download(request: HttpRequest, theme_id: str, area: str, ext: str) -> HttpResponse:
    """A theme for one area in one format, streamed (`?crs=4326` for WGS 84)."""
    try:
        job = parse_download(theme_id, area, FORMAT_BY_EXTENSION[ext], request.GET.get("crs"))
    except DownloadError as exc:
        return bad_request(str(exc))
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
def occurrences_download(request: HttpRequest, ext: str) -> HttpResponse:
    """The residents' occurrences (public columns only) of the whole CIM, streamed."""
    response = StreamingHttpResponse(ocorrencias.stream(ext),
                                     content_type=ocorrencias.FORMATS[ext])
    response["Content-Disposition"] = f'attachment; filename="ocorrencias.{ext}"'
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def catalogue(request: HttpRequest, fmt: str) -> HttpResponse:
    """The DCAT-AP catalogue, one Hydra page (`?page=`, `?page_size=`)."""
    try:
        page = int(request.GET.get("page", "1"))
        size = int(request.GET.get("page_size", str(dcat.PAGE_SIZE)))
        graph = dcat.build(catalog.stats(), territory.areas(), service_links(request),
                           f"catalogo.{fmt}", page, size)
    except ValueError as exc:
        message = str(exc) if isinstance(exc, dcat.CatalogueError) else \
            "page e page_size devem ser números inteiros"
        return bad_request(message)
    body = rdf.to_jsonld(graph) if fmt == "jsonld" else rdf.to_turtle(graph)
    return HttpResponse(body, content_type=f"{RDF_TYPES[fmt]}; charset=utf-8")
