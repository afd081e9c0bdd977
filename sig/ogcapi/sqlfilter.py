"""Compile a CQL2 expression tree into a SQL condition with bound parameters.

Property names are checked against the collection (only its columns become identifiers) and
every literal travels as a bound parameter with an explicit cast, so no text of the request
reaches the database unescaped. Type mismatches and geometry literals outside the area of use
of the filter CRS are `CqlError`s, not database errors.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from psycopg import sql

from sig.crs import STORAGE_SRID, Crs
from sig.ogcapi.collections import Collection
from sig.ogcapi.cql2 import COMPARISONS, SPATIAL, CqlError, Func, Geom, Interval, Lit, Op, Prop
from sig.ogcapi.temporal import day_end, day_start

NUMERIC = ("integer", "number")
TEMPORAL_TYPES = ("date", "timestamp")
CASTS = {"string": "text", "integer": "bigint", "number": "double precision",
         "boolean": "boolean", "date": "date", "timestamp": "timestamptz"}
SPATIAL_SQL = {name: "ST_" + name[2:].capitalize() for name in SPATIAL}
TEMPORAL_ALIASES = {"t_begins": "t_starts", "t_begunby": "t_startedby", "t_ends": "t_finishes",
                    "t_endedby": "t_finishedby"}
GEOMETRY_NAMES = ("geometry", "geom")
INT64 = 2 ** 63


def geometry_literal(geojson: dict, crs: Crs) -> tuple[sql.Composable, list]:
    """A GeoJSON geometry in `crs` as EPSG:3763 SQL (edges densified in geographic CRSs)."""
    expr: sql.Composable = sql.SQL("ST_SetSRID(ST_GeomFromGeoJSON({}::text), {})").format(
        sql.Placeholder(), sql.Literal(crs.srid))
    if crs.lat_first:
        expr = sql.SQL("ST_FlipCoordinates({})").format(expr)
    if crs.srid == 4326:
        expr = sql.SQL("ST_Segmentize({}, 0.01)").format(expr)
    elif crs.srid != STORAGE_SRID:
        expr = sql.SQL("ST_Segmentize({}, 1000)").format(expr)
    if crs.srid != STORAGE_SRID:
        expr = sql.SQL("ST_Transform({}, {})").format(expr, sql.Literal(STORAGE_SRID))
    return expr, [json.dumps(geojson)]


class FilterCompiler:
    """Turns one tree into (condition, params) for one collection."""

    def __init__(self, collection: Collection, filter_crs: Crs):
        self.collection = collection
        self.filter_crs = filter_crs
        self.params: list[Any] = []

    def compile(self, tree: Any) -> tuple[sql.Composable, list]:
        condition = self.boolean(tree)
        return condition, self.params

    # booleans
    def boolean(self, node: Any) -> sql.Composable:
        if isinstance(node, Lit) and isinstance(node.value, bool):
            return sql.SQL("TRUE" if node.value else "FALSE")
        if not isinstance(node, Op):
            raise CqlError("esperava uma condição no filtro")
        if node.op in ("and", "or"):
            return self.combination(node)
        if node.op == "not":
            self._arity(node, 1)
            return sql.SQL("(NOT {})").format(self.boolean(node.args[0]))
        return self.predicate(node)

    def combination(self, node: Op) -> sql.Composable:
        if len(node.args) < 2:
            raise CqlError(f"'{node.op}' espera pelo menos duas condições")
        joiner = sql.SQL(" AND " if node.op == "and" else " OR ")
        return sql.SQL("({})").format(joiner.join(self.boolean(arg) for arg in node.args))

    def predicate(self, node: Op) -> sql.Composable:
        op = TEMPORAL_ALIASES.get(node.op, node.op)
        if op in COMPARISONS:
            return self.comparison(node)
        if op in SPATIAL:
            return self.spatial(node)
        if op.startswith("t_"):
            return self.temporal(op, node)
        handler = {"like": self.like, "between": self.between, "in": self.in_list,
                   "isNull": self.is_null}.get(op)
        if handler is None:
            raise CqlError(f"operador não suportado no filtro: {node.op}")
        return handler(node)

    @staticmethod
    def _arity(node: Op, count: int) -> None:
        if len(node.args) != count:
            raise CqlError(f"'{node.op}' espera {count} argumento(s)")

    # scalars: (sql, type)
    def scalar(self, node: Any, expected: str | None = None) -> tuple[sql.Composable, str]:
        if isinstance(node, Prop):
            return self.prop(node.name)
        if isinstance(node, Func):
            return self.casei(node)
        if isinstance(node, Lit):
            return self.literal(node.value, expected)
        raise CqlError("esperava uma propriedade ou um valor no filtro")

    def prop(self, name: str) -> tuple[sql.Composable, str]:
        collection = self.collection
        if name in GEOMETRY_NAMES:
            return sql.Identifier("geom"), "geometry"
        if name == "id":
            kind = "integer" if collection.id_type == "integer" else "string"
            return sql.Identifier(collection.id_column), kind
        try:
            prop = collection.get_property(name)
        except KeyError:
            names = ", ".join(("id", "geometry", *collection.property_names))
            raise CqlError(f"propriedade desconhecida no filtro: {name!r} "
                           f"(propriedades: {names})") from None
        kind = {"date": "date", "date-time": "timestamp"}.get(prop.format or "", prop.type)
        return sql.Identifier(prop.name), kind

    def casei(self, node: Func) -> tuple[sql.Composable, str]:
        if len(node.args) != 1:
            raise CqlError("CASEI espera um argumento")
        expr, kind = self.scalar(node.args[0], "string")
        if kind != "string":
            raise CqlError("CASEI só se aplica a texto")
        return sql.SQL("lower({})").format(expr), "string"

    def literal(self, value: Any, expected: str | None) -> tuple[sql.Composable, str]:
        kind = _literal_type(value)
        if expected in TEMPORAL_TYPES and kind == "string":
            value, kind = _string_as_instant(value)
        if kind == "integer" and not -INT64 <= value < INT64:
            raise CqlError(f"número fora do intervalo no filtro: {value}")
        self.params.append(value)
        return sql.SQL("{}::{}").format(sql.Placeholder(), sql.SQL(CASTS[kind])), kind

    def kind(self, node: Any) -> str | None:
        """Type of a scalar without emitting SQL (None for literals)."""
        if isinstance(node, Prop):
            return self.prop(node.name)[1]
        if isinstance(node, Func):
            return "string"
        return None

    def typed_pair(self, left: Any, right: Any) -> tuple[sql.Composable, sql.Composable]:
        left_sql, left_kind = self.scalar(left, self.kind(right))
        right_sql, right_kind = self.scalar(right, self.kind(left))
        _compatible(left_kind, right_kind)
        return left_sql, right_sql

    # predicates
    def comparison(self, node: Op) -> sql.Composable:
        self._arity(node, 2)
        left, right = self.typed_pair(*node.args)
        return sql.SQL("({} {} {})").format(left, sql.SQL(node.op), right)

    def like(self, node: Op) -> sql.Composable:
        self._arity(node, 2)
        left, kind = self.scalar(node.args[0])
        if kind != "string":
            raise CqlError("LIKE só se aplica a texto")
        pattern, pattern_kind = self.scalar(node.args[1], "string")
        if pattern_kind != "string":
            raise CqlError("LIKE espera um padrão de texto")
        return sql.SQL("({} LIKE {})").format(left, pattern)

    def between(self, node: Op) -> sql.Composable:
        self._arity(node, 3)
        value, kind = self.scalar(node.args[0])
        if kind not in NUMERIC and kind not in TEMPORAL_TYPES:
            raise CqlError("BETWEEN só se aplica a números ou datas")
        low, low_kind = self.scalar(node.args[1], kind)
        high, high_kind = self.scalar(node.args[2], kind)
        _compatible(kind, low_kind)
        _compatible(kind, high_kind)
        return sql.SQL("({} BETWEEN {} AND {})").format(value, low, high)

    def in_list(self, node: Op) -> sql.Composable:
        if len(node.args) < 2:
            raise CqlError("IN espera uma lista de valores")
        value, kind = self.scalar(node.args[0])
        items = []
        for item in node.args[1:]:
            item_sql, item_kind = self.scalar(item, kind)
            _compatible(kind, item_kind)
            items.append(item_sql)
        return sql.SQL("({} IN ({}))").format(value, sql.SQL(", ").join(items))

    def is_null(self, node: Op) -> sql.Composable:
        self._arity(node, 1)
        value, _ = self.scalar(node.args[0])
        return sql.SQL("({} IS NULL)").format(value)

    def spatial(self, node: Op) -> sql.Composable:
        self._arity(node, 2)
        args = [self.geometry(arg) for arg in node.args]
        return sql.SQL("{}({}, {})").format(sql.SQL(SPATIAL_SQL[node.op]), *args)

    def geometry(self, node: Any) -> sql.Composable:
        if isinstance(node, Geom):
            self.check_area(node)
            expr, params = geometry_literal(node.geojson, self.filter_crs)
            self.params.extend(params)
            return expr
        if isinstance(node, Prop) and node.name in GEOMETRY_NAMES:
            return sql.Identifier("geom")
        raise CqlError("as funções espaciais esperam a geometria e uma geometria literal")

    def check_area(self, geom: Geom) -> None:
        """Literal coordinates must lie in the area of use of the filter CRS."""
        minx, miny, maxx, maxy = geom.bounds
        crs = self.filter_crs
        box = (miny, minx, maxy, maxx) if crs.lat_first else (minx, miny, maxx, maxy)
        if not crs.contains(box):
            raise CqlError("geometria com coordenadas fora da área de uso do sistema de "
                           f"coordenadas do filtro (filter-crs {crs.area_text()})")

    def temporal(self, op: str, node: Op) -> sql.Composable:
        """A temporal function: each end of each period is written (and its value bound) in
        the order the relation's template reads them."""
        self._arity(node, 2)
        template = TEMPORAL_RELATIONS.get(op)
        if template is None:
            raise CqlError(f"operador temporal não suportado: {node.op}")
        a, b = self.period(node.args[0]), self.period(node.args[1])
        ends = {"as_": a[0], "ae": a[1], "bs": b[0], "be": b[1]}
        parts: list[sql.Composable] = []
        for text, field, _, _ in string.Formatter().parse(template):
            parts.append(sql.SQL(text))
            if field:
                parts.append(ends[field]())
        return sql.SQL("({})").format(sql.Composed(parts))

    def period(self, node: Any) -> tuple[Callable[[], sql.Composable],
                                         Callable[[], sql.Composable]]:
        """(start, end) of an instant or interval, as writers of timestamptz SQL."""
        if isinstance(node, Interval):
            return self.bound(node.start, True), self.bound(node.end, False)
        if isinstance(node, Prop):
            expr, kind = self.prop(node.name)
            if kind not in TEMPORAL_TYPES:
                raise CqlError(f"a propriedade {node.name!r} não é temporal")
            cast = sql.SQL("{}::timestamptz").format(expr)
            return (lambda: cast), (lambda: cast)
        if isinstance(node, Lit) and isinstance(node.value, date):
            value = node.value
            return (lambda: self.instant(day_start(value))), (lambda: self.instant(day_end(value)))
        raise CqlError("as funções temporais esperam propriedades temporais, datas ou intervalos")

    def bound(self, node: Any, start: bool) -> Callable[[], sql.Composable]:
        if node is None:
            infinity = sql.SQL("'-infinity'::timestamptz" if start else "'infinity'::timestamptz")
            return lambda: infinity
        writers = self.period(node)
        return writers[0] if start else writers[1]

    def instant(self, value: datetime) -> sql.Composable:
        self.params.append(value)
        return sql.SQL("{}::timestamptz").format(sql.Placeholder())


TEMPORAL_RELATIONS = {
    "t_after": "{as_} > {be}",
    "t_before": "{ae} < {bs}",
    "t_contains": "{as_} < {bs} AND {ae} > {be}",
    "t_disjoint": "NOT ({as_} <= {be} AND {ae} >= {bs})",
    "t_during": "{as_} > {bs} AND {ae} < {be}",
    "t_equals": "{as_} = {bs} AND {ae} = {be}",
    "t_finishedby": "{as_} < {bs} AND {ae} = {be}",
    "t_finishes": "{as_} > {bs} AND {ae} = {be}",
    "t_intersects": "{as_} <= {be} AND {ae} >= {bs}",
    "t_meets": "{ae} = {bs}",
    "t_metby": "{as_} = {be}",
    "t_overlappedby": "{as_} > {bs} AND {as_} < {be} AND {ae} > {be}",
    "t_overlaps": "{as_} < {bs} AND {ae} > {bs} AND {ae} < {be}",
    "t_startedby": "{as_} = {bs} AND {ae} > {be}",
    "t_starts": "{as_} = {bs} AND {ae} < {be}",
}


def _literal_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, date):
        return "date"
    return "string"


def _string_as_instant(value: str) -> tuple[Any, str]:
    from sig.ogcapi.temporal import parse_instant

    try:
        instant = parse_instant(value)
    except ValueError:
        raise CqlError(f"esperava uma data ou hora e encontrou {value!r}") from None
    return instant, _literal_type(instant)


def _compatible(left: str, right: str) -> None:
    groups = (NUMERIC, TEMPORAL_TYPES, ("string",), ("boolean",), ("geometry",))
    for group in groups:
        if left in group and right in group:
            if left == "geometry":
                raise CqlError("use as funções espaciais (S_INTERSECTS, ...) com a geometria")
            return
    raise CqlError(f"tipos incompatíveis no filtro: {left} e {right}")


def compile_filter(tree: Any, collection: Collection, filter_crs: Crs) -> tuple[sql.Composable,
                                                                               list]:
    """(condition, params) for `tree` on `collection`."""
    return FilterCompiler(collection, filter_crs).compile(tree)
