"""Theme features read and written as the acting person, with row versions as ETags.

Every write runs in `acting_as` (the database applies row-level security, the guard, geometry,
version and audit triggers); the application also scopes its querysets to the person's
municipalities and never takes a municipality from the client without checking it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import DatabaseError, connection, models
from django.db.models import Q
from django.utils.translation import gettext

from sig.conf import get_settings
from sig.crs import STORAGE_SRID
from sig.editing.accounts import Actor
from sig.editing.acting import NotAllowed, acting_as
from sig.editing.errors import EditingError, NotFound, from_database
from sig.editing.geometry import GeometryError
from sig.http import parse_item_etag
from sig.registry import AttributeType, Theme, get_registry
from sig.themes.models import THEME_MODELS

ANY_VERSION = -1  # `If-Match: *`
SYSTEM_FIELDS = ("municipio_id", "freguesia_id", "row_version", "created_at", "created_by",
                 "updated_at", "updated_by", "fonte", "fonte_id", "import_run")
GEOJSON_PRECISION = {4326: 9, STORAGE_SRID: 6}


class PreconditionFailed(EditingError):
    status = 412
    code = "PreconditionFailed"

    def __init__(self, message: str, *, theme: Theme, pk: int):
        super().__init__(message)
        self.theme, self.pk = theme, pk


@dataclass(frozen=True)
class Current:
    """The locked state of a row about to be changed."""

    municipio: str
    version: int
    geom: GEOSGeometry


def get_theme(collection: str) -> Theme:
    registry = get_registry()
    if collection not in registry:
        raise NotFound(gettext("tema desconhecido: %(theme)s") % {"theme": collection})
    return registry[collection]


def model_for(theme: Theme) -> type[models.Model]:
    return THEME_MODELS[theme.id]


def scoped(theme: Theme, actor: Actor) -> models.QuerySet:
    """The features `actor` may change (the database checks the same again)."""
    return model_for(theme).objects.filter(municipio_id__in=actor.municipios)


def parse_if_match(header: str | None, pk: int) -> set[int] | None:
    """Versions of feature `pk` named by an If-Match header; None when absent;
    {ANY_VERSION} for `*`. Weak tags and other features' tags never match."""
    if header is None or not header.strip():
        return None
    if header.strip() == "*":
        return {ANY_VERSION}
    versions = set()
    for tag in header.split(","):
        found = parse_item_etag(tag)
        if found and found[0].isdigit() and int(found[0]) == pk:
            versions.add(found[1])
    return versions


# ---- reading --------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def feature_rows(theme: Theme, queryset: models.QuerySet, srid: int = 4326) -> Iterator[dict]:
    """GeoJSON features of `queryset` with geometries in `srid` (4326 as lon/lat, or 3763)."""
    geom = "geom" if srid == STORAGE_SRID else Transform("geom", srid)
    names = [a.name for a in theme.attributes]
    rows = queryset.annotate(_geojson=AsGeoJSON(geom, precision=GEOJSON_PRECISION[srid]))
    for row in rows.values("id", "_geojson", *SYSTEM_FIELDS, *names):
        properties = {"municipio": row["municipio_id"], "freguesia": row["freguesia_id"]}
        properties |= {name: _jsonable(row[name]) for name in names}
        properties |= {key: _jsonable(row[key]) for key in SYSTEM_FIELDS[2:]}
        yield {"type": "Feature", "id": row["id"], "geometry": json.loads(row["_geojson"]),
               "properties": properties}


def search(theme: Theme, q: str = "", municipio: str | None = None,
           bbox: tuple[float, ...] | None = None, bbox_srid: int = STORAGE_SRID) -> models.QuerySet:
    """Features by municipality, bounding box and a text found in any text attribute (or id)."""
    queryset = model_for(theme).objects.all()
    if municipio:
        queryset = queryset.filter(municipio_id=municipio)
    if bbox:
        envelope = Polygon.from_bbox(bbox)
        envelope.srid = bbox_srid
        queryset = queryset.filter(geom__bboverlaps=envelope)
    q = q.strip()
    if q:
        condition = Q(pk=int(q)) if q.isdigit() and len(q) < 18 else Q()
        for attribute in theme.attributes:
            if attribute.type in (AttributeType.TEXT, AttributeType.CODE):
                condition |= Q(**{f"{attribute.name}__icontains": q})
        queryset = queryset.filter(condition)
    return queryset


def feature_id(item_id: Any) -> int | None:
    """The id in a path segment: ASCII digits within bigint range, else None."""
    text = str(item_id)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return int(text)


def municipio_of(theme: Theme, item_id: Any) -> str | None:
    """The municipality of a feature, None when there is no such feature."""
    pk = feature_id(item_id)
    if pk is None:
        return None
    return (model_for(theme).objects.filter(pk=pk)
            .values_list("municipio_id", flat=True).first())


def read_feature(theme: Theme, pk: int, srid: int = 4326) -> dict:
    """One feature as GeoJSON; NotFound when it does not exist."""
    rows = list(feature_rows(theme, model_for(theme).objects.filter(pk=pk), srid))
    if not rows:
        raise NotFound(gettext("o elemento %(id)s de %(theme)s não existe")
                       % {"id": pk, "theme": theme.id})
    return rows[0]


# ---- building blocks of writes --------------------------------------------------------------

@contextmanager
def database_errors() -> Iterator[None]:
    """Turn the database's refusals into EditingErrors (after the transaction rolled back)."""
    try:
        yield
    except DatabaseError as exc:
        mapped = from_database(exc)
        if mapped is None:
            raise
        raise mapped from exc


def _scalar(sql: str, params: list) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _ewkb(geometry: GEOSGeometry) -> str:
    hexewkb = geometry.hexewkb
    return hexewkb.decode() if isinstance(hexewkb, bytes) else hexewkb


POSITION = "ST_PointOnSurface(ST_Transform(%s::geometry, 3763))"


def municipio_for(geometry: GEOSGeometry, actor: Actor) -> str:
    """The served municipality where `geometry` lies (the person's own first, near a border)."""
    sql = (f"WITH p AS (SELECT {POSITION} AS g) SELECT m.dico FROM municipio m, p "
           "WHERE m.dico = ANY(%s) AND ST_Covers(m.geom_limite, p.g) "
           "ORDER BY (m.dico = ANY(%s)) DESC, ST_Distance(m.geom, p.g) LIMIT 1")
    dico = _scalar(sql, [_ewkb(geometry), list(get_settings().municipios),
                         list(actor.municipios)])
    if dico is None:
        raise GeometryError(gettext("a geometria fica fora dos municípios servidos"), status=422,
                            code="OutsideMunicipality")
    return dico


def freguesia_for(geometry: GEOSGeometry, dico: str) -> str | None:
    """The freguesia of `dico` nearest to a point on the geometry."""
    sql = (f"WITH p AS (SELECT {POSITION} AS g) SELECT f.dicofre FROM freguesia f, p "
           "WHERE f.municipio = %s ORDER BY ST_Distance(f.geom, p.g) LIMIT 1")
    return _scalar(sql, [_ewkb(geometry), dico])


def require_editable(actor: Actor, theme: Theme, dico: str, pk: int | None = None) -> None:
    """The application's own check, worded like the database's guard."""
    if actor.may_edit(dico):
        return
    values = {"id": pk, "theme": theme.id, "dico": dico, "dicos": ", ".join(actor.municipios)}
    message = (gettext("não pode gravar elementos do município %(dico)s em %(theme)s") if pk is None
               else gettext("o elemento %(id)s de %(theme)s pertence ao município %(dico)s, que "
                            "não pode editar"))
    hint = gettext("municípios que pode editar: %(dicos)s")
    raise NotAllowed(message % values, hint=hint % values)


def lock(theme: Theme, pk: int) -> Current:
    """Lock a row for the rest of the transaction; NotFound when it does not exist."""
    row = (model_for(theme).objects.select_for_update().filter(pk=pk)
           .values("municipio_id", "row_version", "geom").first())
    if row is None:
        raise NotFound(gettext("o elemento %(id)s de %(theme)s não existe")
                       % {"id": pk, "theme": theme.id})
    return Current(row["municipio_id"], row["row_version"], row["geom"])


def check_version(theme: Theme, pk: int, current: int, expected: set[int]) -> None:
    if ANY_VERSION in expected or current in expected:
        return
    wanted = (", ".join(str(v) for v in sorted(expected))
              or gettext("nenhuma versão válida deste elemento"))
    message = gettext("o elemento %(id)s de %(theme)s foi alterado por outra pessoa (versão atual "
                      "%(current)s, pedida %(wanted)s)")
    raise PreconditionFailed(message % {"id": pk, "theme": theme.id, "current": current,
                                        "wanted": wanted}, theme=theme, pk=pk)


def apply_changes(actor: Actor, theme: Theme, pk: int, current: Current,
                  changes: dict[str, Any]) -> None:
    """UPDATE one locked row, stating the version it had (the database rejects a stale one)."""
    target = changes.get("municipio_id", current.municipio)
    if target != current.municipio:
        require_editable(actor, theme, target)
    if "geom" in changes or target != current.municipio:
        changes.setdefault("freguesia_id", freguesia_for(changes.get("geom", current.geom),
                                                         target))
    scoped(theme, actor).filter(pk=pk).update(**changes, row_version=current.version)


# ---- writing --------------------------------------------------------------------------------

def create_feature(actor: Actor, theme: Theme, geometry: GEOSGeometry, values: dict[str, Any],
                   municipio: str | None = None, application: str = "sig-api") -> int:
    """Insert a feature; its municipality comes from the geometry unless the person names one
    they may edit. Returns the new id."""
    with database_errors(), acting_as(actor, application):
        dico = municipio or municipio_for(geometry, actor)
        require_editable(actor, theme, dico)
        feature = model_for(theme)(municipio_id=dico, freguesia_id=freguesia_for(geometry, dico),
                                   geom=geometry, **values)
        feature.save(force_insert=True)
        return feature.pk


def update_feature(actor: Actor, theme: Theme, pk: int, expected: set[int], *,
                   values: dict[str, Any], geometry: GEOSGeometry | None = None,
                   municipio: str | None = None, application: str = "sig-api") -> None:
    """Change attributes and/or geometry of a feature whose current version is in `expected`."""
    with database_errors(), acting_as(actor, application):
        current = lock(theme, pk)
        require_editable(actor, theme, current.municipio, pk)
        check_version(theme, pk, current.version, expected)
        changes = dict(values)
        if geometry is not None:
            changes["geom"] = geometry
        if municipio and municipio != current.municipio:
            changes["municipio_id"] = municipio
        apply_changes(actor, theme, pk, current, changes)


def update_many(actor: Actor, theme: Theme, versions: dict[int, int], values: dict[str, Any],
                application: str = "sig-editor") -> None:
    """The same attribute values on several features, all or nothing."""
    with database_errors(), acting_as(actor, application):
        for pk, version in sorted(versions.items()):
            current = lock(theme, pk)
            require_editable(actor, theme, current.municipio, pk)
            check_version(theme, pk, current.version, {version})
            apply_changes(actor, theme, pk, current, dict(values))


def delete_feature(actor: Actor, theme: Theme, pk: int, expected: set[int],
                   application: str = "sig-api") -> None:
    """Delete a feature whose current version is in `expected` (it stays in the history)."""
    with database_errors(), acting_as(actor, application):
        current = lock(theme, pk)
        require_editable(actor, theme, current.municipio, pk)
        check_version(theme, pk, current.version, expected)
        scoped(theme, actor).filter(pk=pk).delete()


def versions_of(theme: Theme, pks: Iterable[int]) -> dict[int, int]:
    return dict(model_for(theme).objects.filter(pk__in=list(pks))
                .values_list("id", "row_version"))
