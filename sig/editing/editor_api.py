"""JSON endpoints of the web editor beyond the items API: history, revert, restore, deleted
features, bulk attribute change and the municipal boundaries drawn under the features."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext

from sig.editing import features, history, uploads
from sig.editing.accounts import Actor
from sig.editing.api import feature_response, parse_pk, precondition_response, require_if_match
from sig.editing.attributes import clean_properties
from sig.editing.errors import EditingError
from sig.editing.features import PreconditionFailed, get_theme
from sig.editing.geometry import PTTM06, parse_crs
from sig.editing.http import (
    Unauthorized,
    authenticate,
    error_response,
    get_endpoint,
    json_response,
    post_endpoint,
    read_json,
    require_person,
)
from sig.editing.import_queue import QueueFull

# Simplification of the boundaries drawn in the editor (metres); editing checks use the full ones.
BOUNDARY_SIMPLIFY_M = 10
# When to try an upload again after a 429 or 503 (seconds).
UPLOAD_RETRY_AFTER = 60


def _reader(request: HttpRequest) -> Actor:
    """History is for people who signed in (it names who changed what)."""
    actor, _ = authenticate(request)
    if not actor.is_authenticated:
        raise Unauthorized(gettext("autenticação necessária"))
    return actor


@get_endpoint
def feature_history(request: HttpRequest, collection: str, item_id: str) -> HttpResponse:
    _reader(request)
    theme = get_theme(collection)
    crs = parse_crs(request.GET.get("crs"), default=PTTM06)
    return json_response({"elemento": parse_pk(item_id), "tema": theme.id,
                          "alteracoes": history.timeline(theme, parse_pk(item_id), crs.srid)})


@post_endpoint
def revert(request: HttpRequest, collection: str, item_id: str) -> HttpResponse:
    actor = require_person(request)
    theme, pk = get_theme(collection), parse_pk(item_id)
    expected = require_if_match(request, pk)
    body = read_json(request)
    change_id = body.get("alteracao") if isinstance(body, dict) else None
    if not isinstance(change_id, int) or isinstance(change_id, bool):
        raise EditingError(gettext("indique a alteração para que reverter: {\"alteracao\": N}"))
    try:
        history.revert(actor, theme, pk, change_id, expected)
    except PreconditionFailed as exc:
        return precondition_response(exc, PTTM06)
    return feature_response(theme, pk, PTTM06)


@post_endpoint
def restore(request: HttpRequest, collection: str, item_id: str) -> HttpResponse:
    actor = require_person(request)
    theme, pk = get_theme(collection), parse_pk(item_id)
    history.restore(actor, theme, pk)
    return feature_response(theme, pk, PTTM06, status=201)


@get_endpoint
def deleted(request: HttpRequest, collection: str) -> HttpResponse:
    actor = _reader(request)
    theme = get_theme(collection)
    wanted = request.GET.get("municipio")
    municipios = [wanted] if wanted else list(actor.municipios)
    return json_response({"tema": theme.id, "eliminados": history.deleted(theme, municipios)})


def _versions(value) -> dict[int, int]:
    if not isinstance(value, dict) or not value:
        raise EditingError(gettext("indique as versões dos elementos: "
                                    "{\"versoes\": {\"id\": versão}}"))
    try:
        versions = {int(k): int(v) for k, v in value.items()}
    except (TypeError, ValueError) as exc:
        raise EditingError(gettext("versões inválidas: use {\"id\": número}")) from exc
    if len(versions) > 1000:
        raise EditingError(gettext("no máximo 1000 elementos de cada vez"))
    return versions


@post_endpoint
def bulk_update(request: HttpRequest, collection: str) -> HttpResponse:
    """Set the same attributes on many features (all or nothing, each at its version)."""
    actor = require_person(request)
    theme = get_theme(collection)
    body = read_json(request)
    if not isinstance(body, dict):
        raise EditingError(gettext("o corpo tem de ser um objeto JSON"))
    versions = _versions(body.get("versoes"))
    values = clean_properties(theme, body.get("properties"), partial=True)
    if not values:
        raise EditingError(gettext("indique pelo menos um atributo a alterar"))
    try:
        features.update_many(actor, theme, versions, values)
    except PreconditionFailed as exc:
        return precondition_response(exc, PTTM06)
    current = features.versions_of(theme, versions)
    return json_response({"versoes": {str(k): v for k, v in current.items()}})


BOUNDARIES_SQL = ("SELECT dico, nome, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, %s), 0) "
                  "FROM municipio ORDER BY dico")


@get_endpoint
def boundaries(request: HttpRequest) -> HttpResponse:
    """The served municipalities as GeoJSON in EPSG:3763 (simplified for drawing)."""
    with connection.cursor() as cursor:
        cursor.execute(BOUNDARIES_SQL, [BOUNDARY_SIMPLIFY_M])
        rows = cursor.fetchall()
    body = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": dico, "geometry": json.loads(geometry),
         "properties": {"dico": dico, "nome": nome}} for dico, nome, geometry in rows]}
    return json_response(body, content_type="application/geo+json")


@post_endpoint
def upload(request: HttpRequest) -> HttpResponse:
    """Queue the import of an uploaded file into the chosen theme and municipality: 202, or
    429/503 with Retry-After when the person or the service has too many under way."""
    actor = require_person(request)
    received = request.FILES.get("ficheiro")
    if received is None:
        raise EditingError(gettext("escolha um ficheiro para importar"),
                           code="MissingParameterValue")

    def save(path) -> None:
        with open(path, "wb") as target:
            for chunk in received.chunks():
                target.write(chunk)

    try:
        job_id = uploads.start(actor, request.POST.get("tema", ""),
                               request.POST.get("municipio", ""), received.name, save)
    except (uploads.TooManyImports, QueueFull) as exc:
        response = error_response(exc)
        response["Retry-After"] = str(UPLOAD_RETRY_AFTER)
        return response
    url = reverse("editing:upload_status", args=[job_id])
    return json_response({"id": job_id, "estado_url": url}, status=202, Location=url)


@get_endpoint
def upload_status(request: HttpRequest, job_id: int) -> HttpResponse:
    status = uploads.job_status(_reader(request), job_id)
    if status["em_quarentena"]:
        status["quarentena_url"] = reverse("editing:upload_quarantine", args=[job_id])
    return json_response(status)


@get_endpoint
def upload_quarantine(request: HttpRequest, job_id: int) -> HttpResponse:
    """The rejected features of a job as a GeoPackage download."""
    actor = _reader(request)
    folder = Path(tempfile.mkdtemp(prefix="sig-quarentena-"))
    path = uploads.quarantine_file(actor, job_id, folder)
    handle = path.open("rb")
    shutil.rmtree(folder, ignore_errors=True)  # the open handle keeps the data readable
    return FileResponse(handle, as_attachment=True, filename=path.name,
                        content_type="application/geopackage+sqlite3")
