"""The pages pygeoapi renders: landing page, collections, one collection, queryables, schema
and the OpenAPI page (the document itself is the project's, `sig.ogcapi.openapi`). A thin
adapter runs pygeoapi's framework-independent API functions on a Django request (one `API`
object per base URL, see `sig.ogcapi.mount`). Conformance is answered here without pygeoapi;
features and tiles are `sig.ogcapi.views`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pygeoapi.api as core_api
import pygeoapi.api.itemtypes as itemtypes_api
from django.http import HttpRequest, HttpResponse
from pygeoapi.api import APIRequest

from sig.http import (
    bad_request,
    error_response,
    not_found,
    not_modified,
    read_view,
    respond,
    validators,
    weak_etag,
)
from sig.ogcapi import db, html
from sig.ogcapi.collections import get_collections
from sig.ogcapi.conformance import CONFORMANCE
from sig.ogcapi.extents import collection_extent
from sig.ogcapi.mount import base_url, get_api, set_extent
from sig.ogcapi.state import read_state
from sig.ogcapi.styles import style_link

REL = "http://www.opengis.net/def/rel/ogc/1.0"
PYGEOAPI_FORMATS = ("json", "html", "jsonld")


def run(request: HttpRequest, function: Callable, *args) -> HttpResponse:
    """Call one pygeoapi API function and turn its (headers, status, content) into a response."""
    fmt = request.GET.get("f")
    if fmt is not None and fmt not in PYGEOAPI_FORMATS:
        raise bad_request(f"f: formato não suportado: {fmt!r} (suportados: "
                          f"{', '.join(PYGEOAPI_FORMATS)})")
    api = get_api(base_url(request))
    api_request = APIRequest.from_django(request, api.locales)
    if not api_request.is_valid():
        headers, status, content = api.get_format_exception(api_request)
    else:
        headers, status, content = function(api, api_request, *args)
    response = HttpResponse(b"" if request.method == "HEAD" else content, status=status)
    for key, value in headers.items():
        if key.lower() != "x-powered-by":
            response[key] = value
    return response


def refresh_extents(request: HttpRequest, collection_ids: list[str]) -> str:
    """Write current data extents into pygeoapi's configuration; returns a combined version."""
    api = get_api(base_url(request))
    collections = get_collections()
    versions = []
    with db.connection() as conn, db.query_errors():
        for collection_id in collection_ids:
            collection = collections[collection_id]
            state = read_state(conn, collection)
            extent = collection_extent(conn, collection, state)
            set_extent(api, collection_id, extent.bbox, extent.interval)
            versions.append(str(state.version))
    return ".".join(versions)


def _conditional(request: HttpRequest, version: str, render: Callable[[], HttpResponse]
                 ) -> HttpResponse:
    etag = weak_etag(version, html.variant(request))
    cached = not_modified(request, etag, None)
    if cached:
        return cached
    response = render()
    if response.status_code == 200:
        for key, value in validators(etag, None).items():
            response[key] = value
    return response


# Links pygeoapi writes for things this service does not offer.
UNSERVED = re.compile(r"/(processes|jobs)(\?|$)|/items\?f=jsonld")


def _served_links(node: object, root: str) -> object:
    """The document without links to resources that are not served here, and with the landing
    page linked with its final slash (clients such as QGIS 3.22 do not follow the redirect)."""
    if isinstance(node, dict):
        fixed = {key: _served_links(value, root) for key, value in node.items()}
        href = fixed.get("href")
        if isinstance(href, str) and (href == root or href.startswith(root + "?")):
            fixed["href"] = root + "/" + href[len(root):]
        return fixed
    if isinstance(node, list):
        return [_served_links(item, root) for item in node
                if not (isinstance(item, dict) and UNSERVED.search(str(item.get("href", ""))))]
    return node


def _json_document(response: HttpResponse) -> dict | None:
    kind = response.get("Content-Type", "")
    if response.status_code != 200 or "json" not in kind or "ld+json" in kind:
        return None
    return json.loads(response.content)


@read_view
def landing(request: HttpRequest) -> HttpResponse:
    response = run(request, core_api.landing_page)
    document = _json_document(response)
    if document is None:
        return response
    root = base_url(request)
    document["links"] += [
        {"rel": f"{REL}/tilesets-vector", "type": "application/json",
         "title": "Teselas vetoriais de todos os temas", "href": f"{root}/tiles"},
        {"rel": f"{REL}/styles", "type": "application/json",
         "title": "Estilos do mapa", "href": f"{root}/styles"},
        style_link(f"{root}/styles/default")]
    return respond(request, html.to_json(_served_links(document, root)),
                   "application/json")


def _described(request: HttpRequest, *args: str) -> HttpResponse:
    response = run(request, core_api.describe_collections, *args)
    document = _json_document(response)
    if document is None:
        return response
    return respond(request, html.to_json(_served_links(document, base_url(request))),
                   "application/json")


@read_view
def conformance(request: HttpRequest) -> HttpResponse:
    document = {"conformsTo": list(CONFORMANCE)}
    if html.wants_html(request, ("json", "html")):
        return respond(request, html.render(request, "conformance.html", document),
                       "text/html; charset=utf-8")
    return respond(request, html.to_json(document), "application/json")


@read_view
def collections(request: HttpRequest) -> HttpResponse:
    version = refresh_extents(request, list(get_collections()))
    return _conditional(request, version, lambda: _described(request))


def _known(collection_id: str) -> None:
    if collection_id not in get_collections():
        raise not_found(f"coleção desconhecida: {collection_id!r}")


@read_view
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    _known(collection_id)
    version = refresh_extents(request, [collection_id])
    return _conditional(request, version, lambda: _described(request, collection_id))


@read_view
def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    _known(collection_id)
    return run(request, itemtypes_api.get_collection_queryables, collection_id)


@read_view
def schema(request: HttpRequest, collection_id: str) -> HttpResponse:
    _known(collection_id)
    return run(request, core_api.get_collection_schema, collection_id)


@read_view
def openapi(request: HttpRequest) -> HttpResponse:
    html.wants_html(request, ("json", "html"))  # checks `f`
    return run(request, core_api.openapi_)


def unknown(request: HttpRequest) -> HttpResponse:
    """Any other path under /ogcapi/: an OGC exception, not Django's page."""
    return error_response(not_found(f"recurso desconhecido: {request.path}"))
