"""Incoming geometries and boxes: the CRS they are in (`Content-Crs`, `bbox-crs`), their
structure, ranges and type.

Coordinates must lie in the area of use of their CRS (400) and in the area of use of the
storage CRS, PT-TM06 (422), both grown by a margin (`sig.crsarea`). Checks here give precise
messages for malformed input; validity (self-intersection, with reason and location) and
"inside the municipality" are decided by the database triggers.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.contrib.gis.geos import (
    GEOSException,
    GEOSGeometry,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
)
from django.utils.translation import gettext

from sig import crsarea
from sig.crs import CRS84, EPSG4326, PTTM06, STORAGE_SRID, Crs, find
from sig.editing.errors import EditingError
from sig.registry.schema import GeometryType

# More vertices than this in one feature is refused (a municipal polygon rarely has 20,000).
MAX_VERTICES = 100_000


# The CRSs edits may be written and read in (names: `sig.crs`).
SUPPORTED = (CRS84, PTTM06, EPSG4326)

# Nesting depth of "coordinates" for each GeoJSON type (0: one position).
DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
         "MultiPolygon": 3}


class GeometryError(EditingError):
    code = "InvalidGeometry"


def parse_crs(value: str | None, default: Crs = CRS84) -> Crs:
    """The CRS named by a `Content-Crs` header or `crs` parameter (`<uri>`, URI, or EPSG:n)."""
    if value is None or not value.strip():
        return default
    crs = find(value, SUPPORTED)
    if crs is None:
        message = gettext("sistema de coordenadas não suportado: %(crs)s (use %(crs84)s ou "
                          "%(pttm06)s)")
        raise EditingError(message % {"crs": value.strip(), "crs84": CRS84.uri,
                                      "pttm06": PTTM06.uri}, code="InvalidParameterValue")
    return crs


def _position(value: Any, crs: Crs, counter: list[int]) -> list[float]:
    if not isinstance(value, list) or not 2 <= len(value) <= 4:
        raise GeometryError(gettext("cada posição tem de ter 2 ou 3 coordenadas numéricas"))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        raise GeometryError(gettext("as coordenadas têm de ser números"))
    x, y = (float(value[1]), float(value[0])) if crs.lat_first else (float(value[0]),
                                                                      float(value[1]))
    if not (math.isfinite(x) and math.isfinite(y)):
        raise GeometryError(gettext("coordenadas não finitas"))
    counter[0] += 1
    if counter[0] > MAX_VERTICES:
        raise GeometryError(gettext("geometria demasiado grande: mais de %(max)s vértices")
                            % {"max": MAX_VERTICES}, status=413, code="PayloadTooLarge")
    _check_range(x, y, crs)
    return [x, y]


def _check_range(x: float, y: float, crs: Crs) -> None:
    """In the area of use of `crs` (400), then of the storage CRS (422; the same for it)."""
    point = (x, y, x, y)
    if crs.srid != STORAGE_SRID and not crsarea.contains(crsarea.bounds(crs.srid), point):
        raise GeometryError(gettext("coordenadas fora do intervalo de %(crs)s: %(x)s, %(y)s "
                                    "(%(area)s)") % {"crs": crs.uri, "x": x, "y": y,
                                                     "area": crsarea.describe(crs.srid)})
    if not crsarea.contains(crsarea.bounds(crs.srid, STORAGE_SRID), point):
        raise GeometryError(gettext("coordenadas fora da área do PT-TM06 (Portugal "
                                    "continental): %(x)s, %(y)s") % {"x": x, "y": y},
                            status=422)


def parse_bbox(value: str | None, crs: Crs) -> tuple[float, float, float, float] | None:
    """A `bbox` parameter in `crs` (its axis order) as (minx, miny, maxx, maxy), cut to the
    area of use of `crs`; not four finite numbers, inverted or wholly outside it is a 400."""
    if not value:
        return None
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError as exc:
        raise EditingError(gettext("bbox inválida: %(bbox)s") % {"bbox": value}) from exc
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise EditingError(gettext("bbox precisa de 4 números finitos: oeste,sul,este,norte"))
    if crs.lat_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    if numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise EditingError(gettext("bbox invertida: o mínimo é maior do que o máximo: %(bbox)s")
                           % {"bbox": value})
    area = crsarea.bounds(crs.srid)
    box = (max(numbers[0], area[0]), max(numbers[1], area[1]), min(numbers[2], area[2]),
           min(numbers[3], area[3]))
    if box[0] > box[2] or box[1] > box[3]:
        raise EditingError(gettext("bbox fora da área de uso de %(crs)s (%(area)s): %(bbox)s")
                           % {"crs": crs.uri, "area": crsarea.describe(crs.srid), "bbox": value})
    return box


def _walk(coords: Any, depth: int, crs: Crs, counter: list[int]) -> list:
    if depth == 0:
        return _position(coords, crs, counter)
    if not isinstance(coords, list):
        raise GeometryError(gettext("estrutura de coordenadas inválida para o tipo de geometria"))
    return [_walk(item, depth - 1, crs, counter) for item in coords]


def _check_parts(kind: str, coords: list) -> None:
    lines = {"LineString": [coords], "MultiLineString": coords}.get(kind, [])
    if any(len(line) < 2 for line in lines):
        raise GeometryError(gettext("uma linha precisa de pelo menos 2 posições"))
    polygons = {"Polygon": [coords], "MultiPolygon": coords}.get(kind, [])
    for rings in polygons:
        if not rings:
            raise GeometryError(gettext("um polígono precisa de pelo menos um anel"))
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise GeometryError(gettext("cada anel de um polígono tem de ser fechado e ter "
                                            "pelo menos 4 posições"))
    if kind.startswith("Multi") and not coords:
        raise GeometryError(gettext("geometria múltipla sem partes"))


MULTI = {"MultiPoint": MultiPoint, "MultiLineString": MultiLineString,
         "MultiPolygon": MultiPolygon}


def _to_theme_type(geometry: GEOSGeometry, wanted: GeometryType) -> GEOSGeometry:
    if geometry.geom_type == wanted.value:
        return geometry
    if wanted.is_multi:
        return MULTI[wanted.value](geometry, srid=geometry.srid)
    if len(geometry) != 1:
        raise GeometryError(gettext("o tema aceita um só %(type)s, não %(parts)s partes")
                            % {"type": wanted.value, "parts": len(geometry)})
    part = geometry[0]
    part.srid = geometry.srid
    return part


def _not_geojson() -> str:
    return gettext("a geometria tem de ser um objeto GeoJSON com type e coordinates")


def parse_geometry(value: Any, wanted: GeometryType, crs: Crs) -> GEOSGeometry:
    """A GEOS geometry (in `crs`) of the theme's geometry type from a GeoJSON geometry object."""
    if value is None:
        raise GeometryError(gettext("a geometria está em falta"), code="MissingParameterValue")
    if not isinstance(value, dict) or "type" not in value:
        raise GeometryError(_not_geojson())
    kind = value["type"]
    if kind not in DEPTH:
        raise GeometryError(gettext("tipo de geometria não suportado: %(type)s") % {"type": kind})
    if "coordinates" not in value:
        raise GeometryError(_not_geojson())
    if kind.removeprefix("Multi").lower() != wanted.family:
        raise GeometryError(gettext("tipo de geometria errado: %(type)s; o tema aceita %(wanted)s")
                            % {"type": kind, "wanted": wanted.value})
    coords = _walk(value["coordinates"], DEPTH[kind], crs, [0])
    _check_parts(kind, coords)
    try:
        geometry = GEOSGeometry(json.dumps({"type": kind, "coordinates": coords}))
    except (GEOSException, ValueError) as exc:
        raise GeometryError(gettext("geometria ilegível: %(reason)s") % {"reason": exc}) from exc
    geometry.srid = crs.srid
    return _to_theme_type(geometry, wanted)
