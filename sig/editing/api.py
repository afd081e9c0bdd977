"""The editing API (OGC API - Features - Part 4 style) on `/collections/{theme}/items[/{id}]`.

Mounted under `/ogcapi/` beside the read views (`sig.ogcapi.views`, which hand writes here)
and under `/editor/api/` for the web editor. Session (with CSRF), token or HTTP Basic
authentication; ETag = row version.

No lost update, with or without If-Match (QGIS never sends it):
- If-Match, when sent, names the versions the write may change (412 with the current state
  when stale).
- Else a PUT (whole feature) is checked against the `row_version` its properties carry (QGIS
  sends back every field it read); a PUT with neither gets 428.
- Else a PATCH (merge patch) changes only the members it holds, on the current version, so it
  cannot undo another person's change to anything else; a `row_version` in it is checked.
- Else a DELETE deletes the current version.
The audit entry's application name records which check applied (`sig-api:if-match`,
`:row_version`, `:merge`, `:current`). `Content-Crs` CRS84, EPSG:4326 or EPSG:3763.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from sig.crs import CRS84, Crs
from sig.editing import features
from sig.editing.accounts import Actor
from sig.editing.attributes import clean_properties, requested_municipio
from sig.editing.errors import EditingError, NotFound
from sig.editing.features import (
    ANY_VERSION,
    PreconditionFailed,
    get_theme,
    parse_if_match,
)
from sig.editing.geometry import parse_bbox, parse_crs, parse_geometry
from sig.editing.http import (
    api_view,
    authenticate,
    error_response,
    json_response,
    read_json,
    require_person,
)
from sig.http import item_etag as etag
from sig.registry import Theme

READ_METHODS = ("GET", "HEAD")
ITEMS_WRITES = ("POST",)
ITEM_WRITES = ("PUT", "PATCH", "DELETE")


def _allow(writes: tuple[str, ...]) -> str:
    return ", ".join((*READ_METHODS, *writes, "OPTIONS"))


ALLOW_ITEMS = _allow(ITEMS_WRITES)
ALLOW_ITEM = _allow(ITEM_WRITES)
GEOJSON = "application/geo+json"
MAX_LIMIT = 5000


def parse_pk(item_id: Any) -> int:
    pk = features.feature_id(item_id)
    if pk is None:
        raise NotFound(gettext("identificador de elemento inválido: %(id)s") % {"id": item_id})
    return pk


def feature_response(theme: Theme, pk: int, crs: Crs, status: int = 200,
                      **headers: str) -> HttpResponse:
    feature = features.read_feature(theme, pk, crs.srid)
    return json_response(feature, status=status, content_type=GEOJSON,
                         ETag=etag(pk, feature["properties"]["row_version"]),
                         Content_Crs=f"<{crs.uri}>", **headers)


def precondition_response(exc: PreconditionFailed, crs: Crs) -> HttpResponse:
    """412 whose body is the current feature (to reconcile), with the exception members."""
    try:
        feature = features.read_feature(exc.theme, exc.pk, crs.srid)
    except NotFound as gone:
        return error_response(gone)
    body = feature | exc.as_json()
    return json_response(body, status=412, content_type=GEOJSON,
                         ETag=etag(exc.pk, feature["properties"]["row_version"]),
                         Content_Crs=f"<{crs.uri}>")


def require_if_match(request: HttpRequest, pk: int) -> set[int]:
    """The versions named by If-Match, which the web editor's revert always sends."""
    expected = parse_if_match(request.headers.get("If-Match"), pk)
    if expected is None:
        raise EditingError(gettext("falta o cabeçalho If-Match com a versão (ETag) do elemento; "
                                   "obtenha-o com GET"), status=428, code="PreconditionRequired")
    return expected


def precondition(request: HttpRequest, pk: int, body: dict | None) -> tuple[set[int], str]:
    """The versions a write of feature `pk` may change, and the name of the check (above)."""
    expected = parse_if_match(request.headers.get("If-Match"), pk)
    if expected is not None:
        return expected, "if-match"
    sent = _sent_version(body)
    if sent is not None:
        return {sent}, "row_version"
    if request.method == "PUT":
        raise EditingError(gettext("para substituir o elemento envie a sua versão: o cabeçalho "
                                   "If-Match (ETag) ou a propriedade row_version, obtidos com "
                                   "GET"), status=428, code="PreconditionRequired")
    return {ANY_VERSION}, "merge" if request.method == "PATCH" else "current"


def _sent_version(body: dict | None) -> int | None:
    properties = (body or {}).get("properties")
    if not isinstance(properties, dict) or properties.get("row_version") is None:
        return None
    version = properties["row_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise EditingError(gettext("row_version tem de ser um inteiro positivo, não %(value)s")
                           % {"value": repr(version)})
    return version


def _body_feature(request: HttpRequest) -> dict:
    body = read_json(request)
    if not isinstance(body, dict) or body.get("type", "Feature") != "Feature":
        raise EditingError(gettext("o corpo tem de ser um Feature GeoJSON"))
    return body


def _geometry(theme: Theme, body: dict, crs: Crs, required: bool):
    if "geometry" not in body and not required:
        return None
    return parse_geometry(body.get("geometry"), theme.geometry, crs)


def _application(request: HttpRequest, check: str | None = None) -> str:
    base = "sig-editor" if request.path.startswith("/editor/") else "sig-api"
    return f"{base}:{check}" if check else base


def create(request: HttpRequest, theme: Theme) -> HttpResponse:
    actor = require_person(request)
    crs = parse_crs(request.headers.get("Content-Crs"))
    body = _body_feature(request)
    geometry = _geometry(theme, body, crs, required=True)
    properties = body.get("properties")
    values = clean_properties(theme, properties, partial=False)
    pk = features.create_feature(actor, theme, geometry, values,
                                 requested_municipio(properties), _application(request))
    location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{pk}")
    return feature_response(theme, pk, crs, status=201, Location=location)


def change(request: HttpRequest, theme: Theme, pk: int) -> HttpResponse:
    """PUT (replace) or PATCH (merge) one feature."""
    actor = require_person(request)
    crs = parse_crs(request.headers.get("Content-Crs"))
    partial = request.method == "PATCH"
    body = _body_feature(request)
    expected, check = precondition(request, pk, body)
    geometry = _geometry(theme, body, crs, required=not partial)
    properties = body.get("properties")
    values = clean_properties(theme, properties, partial=partial)
    try:
        features.update_feature(actor, theme, pk, expected, values=values, geometry=geometry,
                                municipio=requested_municipio(properties),
                                application=_application(request, check))
    except PreconditionFailed as exc:
        return precondition_response(exc, crs)
    return feature_response(theme, pk, crs)


def delete(request: HttpRequest, theme: Theme, pk: int) -> HttpResponse:
    actor = require_person(request)
    expected, check = precondition(request, pk, None)
    try:
        features.delete_feature(actor, theme, pk, expected, _application(request, check))
    except PreconditionFailed as exc:
        return precondition_response(exc, CRS84)
    return HttpResponse(status=204)


def read_one(request: HttpRequest, theme: Theme, pk: int) -> HttpResponse:
    crs = parse_crs(request.GET.get("crs"))
    return feature_response(theme, pk, crs)


def _limit(value: str | None) -> int:
    if not value:
        return 1000
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise EditingError(gettext("limit tem de ser um inteiro entre 1 e %(max)s")
                           % {"max": MAX_LIMIT})
    return int(value)


def read_many(request: HttpRequest, theme: Theme) -> HttpResponse:
    """Features by bbox (in `bbox-crs`), municipality and text search, for the editor."""
    crs = parse_crs(request.GET.get("crs"))
    bbox_crs = parse_crs(request.GET.get("bbox-crs"), default=crs)
    queryset = features.search(theme, q=request.GET.get("q", ""),
                               municipio=request.GET.get("municipio") or None,
                               bbox=parse_bbox(request.GET.get("bbox"), bbox_crs),
                               bbox_srid=bbox_crs.srid)
    limit = _limit(request.GET.get("limit"))
    rows = list(features.feature_rows(theme, queryset.order_by("id")[:limit], crs.srid))
    body = {"type": "FeatureCollection", "features": rows, "numberReturned": len(rows)}
    return json_response(body, content_type=GEOJSON, Content_Crs=f"<{crs.uri}>")


def allowed(actor: Actor, theme: Theme, item_id: Any = None) -> str:
    """The methods this person's rights permit on the items, or on one item (an item that does
    not exist, such as QGIS's `unknown_id` probe of an empty layer: what they may do to
    their own)."""
    writes = ITEMS_WRITES if item_id is None else ITEM_WRITES
    municipio = features.municipio_of(theme, item_id) if item_id is not None else None
    may = actor.may_edit(municipio) if municipio else actor.can_edit
    return _allow(writes if may else ())


def options(request: HttpRequest, theme: Theme, item_id: Any) -> HttpResponse:
    actor, _ = authenticate(request)
    response = HttpResponse(status=204)
    response["Allow"] = allowed(actor, theme, item_id)
    return response


def _not_allowed(item_id: Any) -> HttpResponse:
    allow = ALLOW_ITEM if item_id is not None else ALLOW_ITEMS
    message = gettext("método não permitido; use %(allow)s") % {"allow": allow}
    response = error_response(EditingError(message, status=405, code="MethodNotAllowed"))
    response["Allow"] = allow
    return response


@csrf_exempt
@api_view
def dispatch_items(request: HttpRequest, collection: str, item_id: Any = None) -> HttpResponse:
    """`/collections/{collection}/items[/{item_id}]` for every method of the editing API."""
    theme = get_theme(collection)
    method = request.method
    if method == "OPTIONS":
        return options(request, theme, item_id)
    if item_id is None:
        on_items = {"GET": read_many, "HEAD": read_many, "POST": create}.get(method or "")
        return on_items(request, theme) if on_items else _not_allowed(None)
    pk = parse_pk(item_id)
    on_item = {"GET": read_one, "HEAD": read_one, "PUT": change, "PATCH": change,
               "DELETE": delete}.get(method or "")
    return on_item(request, theme, pk) if on_item else _not_allowed(item_id)
