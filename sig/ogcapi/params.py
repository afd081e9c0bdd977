"""Query parameters of `/collections/{id}/items`, checked into a typed `ItemsQuery`.

Every problem is a 400 `ApiError` naming the parameter, in pt-PT. Plain functions over a
mapping of lists (no request object).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from sig.crs import CRS84, Crs
from sig.http import bad_request
from sig.ogcapi import cql2
from sig.ogcapi.collections import Collection, Property
from sig.ogcapi.crs import check_area, parse_crs
from sig.ogcapi.sqlfilter import compile_filter
from sig.ogcapi.temporal import TimeRange, parse_datetime

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10 ** 12
DICO_RE = re.compile(r"^\d{4}$")
FORMATS = {"geojson": "json", "mvt": "mvt", "pbf": "mvt"}
BASE_PARAMETERS = frozenset({
    "f", "lang", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "properties",
    "sortby", "skipGeometry", "municipio", "filter", "filter-lang", "filter-crs", "resulttype",
})
BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


@dataclass
class ItemsQuery:
    """A checked items request."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    bbox_crs: Crs = CRS84
    crs: Crs = CRS84
    time: TimeRange | None = None
    properties: tuple[str, ...] | None = None  # None: all
    sortby: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    skip_geometry: bool = False
    municipios: tuple[str, ...] = ()
    equals: tuple[tuple[Property, Any], ...] = ()
    filter_sql: sql.Composable | None = None
    filter_params: list = field(default_factory=list)
    hits: bool = False

    @property
    def filtered(self) -> bool:
        """Anything beyond the municipality narrows the result (counts need a query)."""
        return bool(self.bbox or self.time or self.equals or self.filter_sql is not None)


def single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise bad_request(f"{name}: parâmetro repetido")
    return values[0]


def parse_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if not re.fullmatch(r"\s*\+?\d{1,15}\s*", value):
        raise bad_request(f"{name}: esperava um número inteiro entre {low} e {high}: {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise bad_request(f"{name}: tem de estar entre {low} e {high}: {number}")
    return number


def parse_bool(value: str | None, name: str) -> bool:
    if value is None:
        return False
    try:
        return BOOLEANS[value.strip().lower()]
    except KeyError:
        raise bad_request(f"{name}: esperava true ou false: {value!r}") from None


def parse_bbox(value: str, crs: Crs) -> tuple[float, float, float, float]:
    """Four (or six, 3D) numbers in `crs` axis order, returned as (minx, miny, maxx, maxy);
    the box must lie in the area of use of `crs` (the `bbox-crs`)."""
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise bad_request(f"bbox: esperava 4 ou 6 números separados por vírgulas, não "
                          f"{len(parts)}: {value!r}")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise bad_request(f"bbox: valor não numérico: {value!r}") from None
    if not all(math.isfinite(n) for n in numbers):
        raise bad_request(f"bbox: valor não finito: {value!r}")
    half = len(numbers) // 2
    low, high = numbers[:2], numbers[half:half + 2]
    if crs.lat_first:
        low, high = low[::-1], high[::-1]
    if low[0] > high[0] or low[1] > high[1]:
        raise bad_request(f"bbox: o mínimo é maior do que o máximo: {value!r}")
    box = (low[0], low[1], high[0], high[1])
    check_area(crs, box, "bbox")
    return box


def parse_properties(value: str | None, collection: Collection) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in collection.property_names]
    if unknown:
        raise bad_request(f"properties: propriedade desconhecida: {', '.join(unknown)} "
                          f"(propriedades: {', '.join(collection.property_names)})")
    return names


def parse_sortby(value: str | None, collection: Collection) -> tuple[tuple[str, bool], ...]:
    if value is None:
        return ()
    keys = []
    for raw in value.split(","):
        item = raw.strip()
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        if not name:
            raise bad_request(f"sortby: esperava nomes de propriedades (p. ex. -updated_at): "
                              f"{value!r}")
        if name != "id" and name not in collection.property_names:
            raise bad_request(f"sortby: propriedade desconhecida: {name!r}")
        keys.append((collection.id_column if name == "id" else name, descending))
    return tuple(keys)


def parse_municipios(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    codes = tuple(code.strip() for code in value.split(","))
    bad = [code for code in codes if not DICO_RE.match(code)]
    if bad or not codes:
        raise bad_request(f"municipio: esperava códigos DICO de 4 algarismos: {value!r}")
    return codes


def typed_value(prop: Property, value: str) -> Any:
    """A query-parameter value as the property's type (queryables as parameters)."""
    try:
        if prop.type == "integer":
            return int(value)
        if prop.type == "number":
            number = float(value)
            if math.isfinite(number):
                return number
            raise ValueError(value)
        if prop.type == "boolean":
            return BOOLEANS[value.strip().lower()]
        if prop.is_temporal:
            return parse_datetime(value, prop.name)
    except (ValueError, KeyError):
        raise bad_request(f"{prop.name}: valor inválido para {prop.type}: {value!r}") from None
    if prop.enum and value not in prop.enum:
        raise bad_request(f"{prop.name}: valor fora da lista de códigos: {value!r} "
                          f"(códigos: {', '.join(prop.enum)})")
    return value


def parse_filter(params: Mapping[str, Sequence[str]], collection: Collection, query: ItemsQuery,
                 body: bytes | None = None) -> None:
    text = single(params, "filter")
    lang = (single(params, "filter-lang") or "cql2-text").strip().lower()
    filter_crs = parse_crs(single(params, "filter-crs"), "filter-crs")
    if lang not in ("cql2-text", "cql2-json"):
        raise bad_request(f"filter-lang: linguagem não suportada: {lang!r} "
                          "(suportadas: cql2-text, cql2-json)")
    source: Any = text if text is not None else body
    if source is None:
        return
    try:
        tree = cql2.parse_json(source) if lang == "cql2-json" else cql2.parse_text(source)
        query.filter_sql, query.filter_params = compile_filter(tree, collection, filter_crs)
    except cql2.CqlError as exc:
        raise bad_request(f"filter: {exc}") from None


def check_names(params: Mapping[str, Sequence[str]], collection: Collection) -> None:
    unknown = [name for name in params if name not in BASE_PARAMETERS
               and name not in collection.property_names and name != "id"]
    if unknown:
        raise bad_request(f"parâmetro desconhecido: {', '.join(sorted(unknown))}")


def parse_equals(params: Mapping[str, Sequence[str]],
                 collection: Collection) -> tuple[tuple[Property, Any], ...]:
    equals = []
    for prop in collection.properties:
        value = single(params, prop.name)
        if value is not None and prop.name != "municipio":
            equals.append((prop, typed_value(prop, value)))
    return tuple(equals)


def parse_items(params: Mapping[str, Sequence[str]], collection: Collection,
                body: bytes | None = None) -> ItemsQuery:
    """Check every parameter of an items request; the first problem is a 400."""
    check_names(params, collection)
    bbox_crs = parse_crs(single(params, "bbox-crs"), "bbox-crs")
    bbox = single(params, "bbox")
    query = ItemsQuery(
        limit=parse_int(single(params, "limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=parse_int(single(params, "offset"), "offset", 0, 0, MAX_OFFSET),
        bbox=parse_bbox(bbox, bbox_crs) if bbox is not None else None,
        bbox_crs=bbox_crs,
        crs=parse_crs(single(params, "crs")),
        properties=parse_properties(single(params, "properties"), collection),
        sortby=parse_sortby(single(params, "sortby"), collection),
        skip_geometry=parse_bool(single(params, "skipGeometry"), "skipGeometry"),
        municipios=parse_municipios(single(params, "municipio")),
        equals=parse_equals(params, collection),
        hits=parse_resulttype(single(params, "resulttype")),
    )
    query.time = parse_time(single(params, "datetime"), collection)
    parse_filter(params, collection, query, body)
    return query


def parse_resulttype(value: str | None) -> bool:
    if value is None or value == "results":
        return False
    if value == "hits":
        return True
    raise bad_request(f"resulttype: esperava results ou hits: {value!r}")


def parse_time(value: str | None, collection: Collection) -> TimeRange | None:
    if value is None:
        return None
    if collection.temporal is None:
        raise bad_request(f"datetime: a coleção {collection.id} não tem propriedade temporal")
    return parse_datetime(value)


def negotiate(accept: str, offers: Sequence[tuple[str, str]], default: str) -> str:
    """The offer whose media type the Accept header prefers (q-values; ties by offer order)."""
    best, best_q = default, 0.0
    weights = {}
    for item in accept.lower().split(","):
        media, _, rest = item.strip().partition(";")
        match = re.search(r"q=([0-9.]+)", rest)
        try:
            weights[media.strip()] = float(match.group(1)) if match else 1.0
        except ValueError:
            weights[media.strip()] = 0.0
    for media, fmt in offers:
        q = weights.get(media, 0.0)
        if q > best_q:
            best, best_q = fmt, q
    return best


ITEM_MEDIA = (("application/geo+json", "json"), ("application/json", "json"),
              ("text/html", "html"), ("text/csv", "csv"))


def parse_format(value: str | None, accept: str = "",
                 offers: Sequence[tuple[str, str]] = ITEM_MEDIA) -> str:
    """Output format from `f`, else from the Accept header; JSON by default."""
    allowed = {fmt for _, fmt in offers}
    if value is not None:
        fmt = FORMATS.get(value.strip().lower(), value.strip().lower())
        if fmt not in allowed:
            raise bad_request(f"f: formato não suportado: {value!r} "
                              f"(suportados: {', '.join(sorted(allowed))})")
        return fmt
    return negotiate(accept, offers, "json")
