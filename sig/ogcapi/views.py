"""Django views of the OGC API read path: items, one item and vector tiles.

These are the only code that reads features and tiles (pygeoapi renders metadata pages only,
see `sig.ogcapi.pages`). Views stay thin: parameters are checked by `sig.ogcapi.params`, SQL
comes from `sig.ogcapi.query` and `sig.ogcapi.tiles`. Writes on the same paths go to the
editing API.
"""

from __future__ import annotations

import hashlib
import importlib
import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sig.http import (
    bad_request,
    guarded,
    item_etag,
    method_not_allowed,
    not_found,
    not_modified,
    query_lists,
    query_pairs,
    read_view,
    respond,
    validators,
    weak_etag,
)
from sig.ogcapi import db, features, html, tilesets
from sig.ogcapi.collections import Collection, get_collections
from sig.ogcapi.crs import parse_crs
from sig.ogcapi.mount import base_url
from sig.ogcapi.params import parse_format, parse_items, single
from sig.ogcapi.state import read_state

READ_METHODS = ("GET", "HEAD")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def get_collection(collection_id: str) -> Collection:
    try:
        return get_collections()[collection_id]
    except KeyError:
        raise not_found(f"coleção desconhecida: {collection_id!r}") from None


def _variant(request: HttpRequest, fmt: str) -> str:
    key = f"{fmt}|{request.get_full_path()}|{request.headers.get('Accept-Language', '')}"
    return hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def _items(request: HttpRequest, collection_id: str) -> HttpResponse:
    collection = get_collection(collection_id)
    params = query_lists(request)
    fmt = parse_format(single(params, "f"), request.headers.get("Accept", ""))
    query = parse_items(params, collection)
    with db.connection() as conn, db.query_errors():
        state = read_state(conn, collection)
        etag = weak_etag(state.tag, _variant(request, fmt))
        cached = not_modified(request, etag, state.last_modified, state.changed_at)
        if cached:
            return cached
        headers = validators(etag, state.last_modified)
        headers["Content-Crs"] = query.crs.header
        if fmt == "csv":
            body = features.copy_csv(conn, collection, query)
            headers["Content-Disposition"] = f'inline; filename="{collection.id}.csv"'
            return respond(request, body, "text/csv; charset=utf-8", headers)
        return _items_document(request, conn, collection, query, fmt, headers)


def _items_document(request, conn, collection, query, fmt, headers) -> HttpResponse:
    root = base_url(request)
    collection_url = f"{root}/collections/{collection.id}"
    pairs = query_pairs(request)
    if query.hits:
        matched = features.fetch_count(conn, collection, query)
        links = features.items_links(f"{collection_url}/items", collection_url, pairs, query,
                                     features.Page([], matched, False))
        return respond(request, features.hits_document(matched, links), features.GEOJSON,
                       headers)
    page = features.fetch_page(conn, collection, query)
    links = features.items_links(f"{collection_url}/items", collection_url, pairs, query, page)
    document = features.collection_document(page, links)
    if fmt == "html":
        body = html.items_page(request, root, collection, json.loads(document), query)
        return respond(request, body, "text/html; charset=utf-8", headers)
    return respond(request, document, features.GEOJSON, headers)


def _item(request: HttpRequest, collection_id: str, item_id: str) -> HttpResponse:
    collection = get_collection(collection_id)
    params = query_lists(request)
    fmt = parse_format(single(params, "f"), request.headers.get("Accept", ""),
                       (("application/geo+json", "json"), ("application/json", "json"),
                        ("text/html", "html")))
    unknown = set(params) - {"f", "lang", "crs"}
    if unknown:
        raise bad_request(f"parâmetro desconhecido: {', '.join(sorted(unknown))}")
    crs = parse_crs(single(params, "crs"))
    with db.connection() as conn, db.query_errors():
        found = features.fetch_item(conn, collection, item_id, crs)
        if found is None:
            raise not_found(f"elemento {item_id!r} não existe na coleção {collection.id}")
        feature, row_version = found
        if row_version is None:
            etag = weak_etag(read_state(conn, collection).tag, _variant(request, fmt))
        else:
            etag = item_etag(item_id, row_version)
    cached = not_modified(request, etag, None)
    if cached:
        return cached
    headers = validators(etag, None)
    headers["Content-Crs"] = crs.header
    root = base_url(request)
    collection_url = f"{root}/collections/{collection.id}"
    document = features.item_document(feature, f"{collection_url}/items/{item_id}",
                                      collection_url)
    if fmt == "html":
        body = html.item_page(request, root, collection, json.loads(document))
        return respond(request, body, "text/html; charset=utf-8", headers)
    return respond(request, document, features.GEOJSON, headers)


def _editing_dispatch():
    """`sig.editing.api.dispatch_items` when the editing API is installed."""
    try:
        module = importlib.import_module("sig.editing.api")
    except ImportError:
        return None
    return getattr(module, "dispatch_items", None)


def write(request: HttpRequest, collection_id: str, item_id: str | None = None) -> HttpResponse:
    """Writes belong to the editing API; without it the collection is read-only (405)."""
    dispatch = _editing_dispatch()
    if dispatch is not None:
        return dispatch(request, collection_id, item_id=item_id)
    return method_not_allowed(request, message="esta coleção só aceita leitura (GET, HEAD)")


@csrf_exempt
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    if request.method in WRITE_METHODS:
        return write(request, collection_id)
    if request.method not in READ_METHODS:
        return method_not_allowed(request)
    return guarded(lambda: _items(request, collection_id))


@csrf_exempt
def item(request: HttpRequest, collection_id: str, item_id: str) -> HttpResponse:
    if request.method in WRITE_METHODS:
        return write(request, collection_id, item_id)
    if request.method not in READ_METHODS:
        return method_not_allowed(request)
    return guarded(lambda: _item(request, collection_id, item_id))


@read_view
def collection_tile(request: HttpRequest, collection_id: str, tms_id: str, level: str,
                    row: str, col: str) -> HttpResponse:
    return tilesets.collection_tile_response(request, get_collection(collection_id), tms_id,
                                             level, row, col)


@read_view
def dataset_tile(request: HttpRequest, tms_id: str, level: str, row: str,
                 col: str) -> HttpResponse:
    return tilesets.dataset_tile_response(request, tms_id, level, row, col)
