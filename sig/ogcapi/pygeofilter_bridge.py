"""pygeofilter trees (what pygeoapi hands to providers) turned into `sig.ogcapi.cql2` trees.

pygeoapi parses `filter` itself before calling a provider; the project's provider compiles
the result with the same SQL compiler as the fast paths. Geometry literals arrive already in
the storage CRS (pygeoapi transforms them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pygeofilter import ast, values

from sig.ogcapi.cql2 import CqlError, Func, Geom, Interval, Lit, Op, Prop, bbox_geometry

COMPARISON = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
              ast.GreaterThan: ">", ast.GreaterEqual: ">="}
TEMPORAL = {ast.TimeDisjoint: "t_disjoint", ast.TimeAfter: "t_after",
            ast.TimeBefore: "t_before", ast.TimeBegins: "t_starts",
            ast.TimeBegunBy: "t_startedby", ast.TimeContains: "t_contains",
            ast.TimeDuring: "t_during", ast.TimeEndedBy: "t_finishedby",
            ast.TimeEnds: "t_finishes", ast.TimeEquals: "t_equals", ast.TimeMeets: "t_meets",
            ast.TimeMetBy: "t_metby", ast.TimeOverlaps: "t_overlaps",
            ast.TimeOverlappedBy: "t_overlappedby"}
SPATIAL = {cls: "s_" + cls.op.value.lower() for cls in
           ast.SpatialComparisonPredicate.__subclasses__()}


def convert(node: Any) -> Any:
    """A pygeofilter node as a cql2 tree; unsupported constructs are CqlError."""
    for kind, handler in HANDLERS:
        if isinstance(node, kind):
            return handler(node)
    if isinstance(node, bool | int | float | str | date):
        return Lit(node)
    raise CqlError(f"construção de filtro não suportada: {type(node).__name__}")


def _combination(node) -> Op:
    return Op("and" if isinstance(node, ast.And) else "or", (convert(node.lhs),
                                                              convert(node.rhs)))


def _comparison(node) -> Op:
    return Op(COMPARISON[type(node)], (convert(node.lhs), convert(node.rhs)))


def _negated(tree: Op, negate: bool) -> Op:
    return Op("not", (tree,)) if negate else tree


def _like(node: ast.Like) -> Op:
    pattern = Func("casei", (Lit(node.pattern),)) if node.nocase else Lit(node.pattern)
    value = Func("casei", (convert(node.lhs),)) if node.nocase else convert(node.lhs)
    return _negated(Op("like", (value, pattern)), node.not_)


def _function(node: ast.Function) -> Any:
    if node.name.lower() in ("lower", "casei") and len(node.arguments) == 1:
        return Func("casei", (convert(node.arguments[0]),))
    if node.name.lower() == "bbox":
        return bbox_geometry([float(v) for v in node.arguments])
    raise CqlError(f"função não suportada no filtro: {node.name}")


def _temporal(node) -> str:
    try:
        return TEMPORAL[type(node)]
    except KeyError:
        raise CqlError(f"operador temporal não suportado: {type(node).__name__}") from None


def _interval(node: values.Interval) -> Interval:
    return Interval(Lit(node.start) if node.start else None,
                    Lit(node.end) if node.end else None)


HANDLERS: tuple = (
    (ast.Not, lambda n: Op("not", (convert(n.sub_node),))),
    (ast.Combination, _combination),
    (ast.Comparison, _comparison),
    (ast.Between, lambda n: _negated(Op("between", (convert(n.lhs), convert(n.low),
                                                    convert(n.high))), n.not_)),
    (ast.Like, _like),
    (ast.In, lambda n: _negated(Op("in", (convert(n.lhs), *map(convert, n.sub_nodes))),
                                n.not_)),
    (ast.IsNull, lambda n: _negated(Op("isNull", (convert(n.lhs),)), n.not_)),
    (ast.TemporalPredicate, lambda n: Op(_temporal(n), (convert(n.lhs), convert(n.rhs)))),
    (ast.SpatialComparisonPredicate, lambda n: Op(SPATIAL[type(n)], (convert(n.lhs),
                                                                     convert(n.rhs)))),
    (ast.BBox, lambda n: Op("s_intersects", (convert(n.lhs), bbox_geometry(
        [n.minx, n.miny, n.maxx, n.maxy])))),
    (ast.Attribute, lambda n: Prop(n.name)),
    (ast.Function, _function),
    (values.Geometry, lambda n: Geom(dict(n.geometry))),
    (values.Envelope, lambda n: bbox_geometry([n.x1, n.y1, n.x2, n.y2])),
    (values.Interval, _interval),
)
