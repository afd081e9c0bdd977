"""CQL2 (OGC 21-065) text and JSON encodings, parsed into one small expression tree.

Covers Basic CQL2, advanced comparison operators (LIKE, BETWEEN, IN), CASEI, property-property
comparisons, spatial functions (S_*) with WKT / GeoJSON / BBOX literals and temporal functions
(T_*) with DATE, TIMESTAMP and INTERVAL literals. Anything else is a `CqlError` naming the
problem; the tree is compiled to SQL with bound parameters by `sig.ogcapi.sqlfilter`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely

from sig.ogcapi.temporal import parse_instant


class CqlError(ValueError):
    """A filter that cannot be parsed; the message names the problem (pt-PT)."""


# ---- the expression tree ---------------------------------------------------------------------

@dataclass(frozen=True)
class Prop:
    name: str


@dataclass(frozen=True)
class Lit:
    value: Any  # str, int, float, bool, date or datetime


@dataclass(frozen=True)
class Geom:
    geojson: dict  # coordinates in the filter CRS

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) as written (the filter CRS's axis order)."""
        return tuple(shapely.from_geojson(json.dumps(self.geojson)).bounds)


@dataclass(frozen=True)
class Interval:
    start: Any  # Lit, Prop or None (open, '..')
    end: Any


@dataclass(frozen=True)
class Func:
    name: str  # casei
    args: tuple


@dataclass(frozen=True)
class Op:
    """An operator or predicate: and, or, not, =, <>, <, <=, >, >=, like, between, in,
    isNull, s_* and t_* functions. `args` are sub-expressions."""

    op: str
    args: tuple


COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
SPATIAL = ("s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within", "s_overlaps",
           "s_crosses", "s_contains")
TEMPORAL = ("t_after", "t_before", "t_contains", "t_disjoint", "t_during", "t_equals",
            "t_finishedby", "t_finishes", "t_intersects", "t_meets", "t_metby",
            "t_overlappedby", "t_overlaps", "t_startedby", "t_starts")
WKT_TYPES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
             "GEOMETRYCOLLECTION")
MAX_DEPTH = 40
MAX_LENGTH = 100_000


# ---- shared literal helpers --------------------------------------------------------------------

def _temporal_literal(kind: str, text: str) -> Lit:
    try:
        value = parse_instant(text)
    except ValueError as exc:
        raise CqlError(f"{kind}: data ou hora inválida: {text!r}") from exc
    if kind == "DATE" and not (isinstance(value, date) and not isinstance(value, datetime)):
        raise CqlError(f"DATE espera uma data (AAAA-MM-DD): {text!r}")
    if kind == "TIMESTAMP" and not isinstance(value, datetime):
        raise CqlError(f"TIMESTAMP espera data e hora (RFC 3339): {text!r}")
    return Lit(value)


def _geometry(geojson: Any) -> Geom:
    try:
        shape = shapely.from_geojson(json.dumps(geojson))
    except Exception as exc:  # shapely raises GEOSException or ValueError
        raise CqlError(f"geometria inválida no filtro: {exc}") from exc
    return _checked(shape)


def _checked(shape: shapely.Geometry) -> Geom:
    if shape.is_empty:
        raise CqlError("geometria vazia no filtro")
    if not shapely.is_valid(shape):
        raise CqlError(f"geometria inválida no filtro: {shapely.is_valid_reason(shape)}")
    return Geom(json.loads(shapely.to_geojson(shape)))


def bbox_geometry(values: list[float]) -> Geom:
    if len(values) not in (4, 6):
        raise CqlError("BBOX espera 4 ou 6 números")
    half = len(values) // 2
    minx, miny, maxx, maxy = values[0], values[1], values[half], values[half + 1]
    if minx > maxx or miny > maxy:
        raise CqlError("BBOX com mínimo maior do que o máximo")
    return _checked(shapely.box(minx, miny, maxx, maxy))


# ---- CQL2 text ---------------------------------------------------------------------------------

TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")+")
    | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<op><>|<=|>=|=|<|>|\(|\)|,|\[|\])
    | (?P<word>[A-Za-z_][A-Za-z0-9_:.]*)
    )""", re.VERBOSE)


class TextParser:
    """Recursive-descent parser of the CQL2 text encoding."""

    def __init__(self, text: str):
        if len(text) > MAX_LENGTH:
            raise CqlError("filtro demasiado longo")
        self.text = text
        self.pos = 0
        self.depth = 0

    # tokens
    def _match(self):
        return TOKEN.match(self.text, self.pos)

    def peek(self) -> tuple[str, str] | None:
        match = self._match()
        if not match or match.end() == match.start():
            return None
        kind = match.lastgroup or ""
        return kind, match.group(kind)

    def take(self) -> tuple[str, str]:
        match = self._match()
        if not match or not match.lastgroup:
            rest = self.text[self.pos:].strip()
            if not rest:
                raise CqlError("filtro incompleto")
            raise CqlError(f"filtro inválido perto de {rest[:30]!r}")
        self.pos = match.end()
        return match.lastgroup, match.group(match.lastgroup)

    def peek_word(self) -> str:
        token = self.peek()
        return token[1].upper() if token and token[0] == "word" else ""

    def expect(self, symbol: str) -> None:
        kind, value = self.take()
        if value.upper() != symbol:
            raise CqlError(f"esperava {symbol!r} e encontrou {value!r}")

    def accept(self, symbol: str) -> bool:
        token = self.peek()
        if token and token[1].upper() == symbol:
            self.take()
            return True
        return False

    # grammar
    def parse(self) -> Any:
        tree = self.boolean_expression()
        if self.text[self.pos:].strip():
            raise CqlError(f"texto a mais no filtro: {self.text[self.pos:].strip()[:30]!r}")
        return tree

    def boolean_expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CqlError("filtro demasiado aninhado")
        terms = [self.boolean_term()]
        while self.accept("OR"):
            terms.append(self.boolean_term())
        self.depth -= 1
        return terms[0] if len(terms) == 1 else Op("or", tuple(terms))

    def boolean_term(self) -> Any:
        factors = [self.boolean_factor()]
        while self.accept("AND"):
            factors.append(self.boolean_factor())
        return factors[0] if len(factors) == 1 else Op("and", tuple(factors))

    def boolean_factor(self) -> Any:
        if self.accept("NOT"):
            return Op("not", (self.boolean_primary(),))
        return self.boolean_primary()

    def boolean_primary(self) -> Any:
        word = self.peek_word()
        if word.lower() in SPATIAL or word.lower() in TEMPORAL:
            return self.function_predicate()
        if word in ("TRUE", "FALSE") and self._after_word_is_end():
            self.take()
            return Lit(word == "TRUE")
        if self.peek() and self.peek()[1] == "(":
            self.take()
            tree = self.boolean_expression()
            self.expect(")")
            return tree
        return self.predicate()

    def _after_word_is_end(self) -> bool:
        saved = self.pos
        self.take()
        token = self.peek()
        self.pos = saved
        return token is None or token[1] == ")" or token[1].upper() in ("AND", "OR")

    def function_predicate(self) -> Op:
        _, name = self.take()
        self.expect("(")
        first = self.spatial_or_temporal_operand()
        self.expect(",")
        second = self.spatial_or_temporal_operand()
        self.expect(")")
        return Op(name.lower(), (first, second))

    def spatial_or_temporal_operand(self) -> Any:
        word = self.peek_word()
        if word in WKT_TYPES:
            return self.wkt()
        if word == "BBOX":
            self.take()
            return bbox_geometry(self.number_list())
        if word == "INTERVAL":
            return self.interval()
        return self.scalar()

    def number_list(self) -> list[float]:
        self.expect("(")
        values = [self.number()]
        while self.accept(","):
            values.append(self.number())
        self.expect(")")
        return values

    def number(self) -> float:
        kind, value = self.take()
        if kind != "number":
            raise CqlError(f"esperava um número e encontrou {value!r}")
        return float(value)

    def wkt(self) -> Geom:
        start = self.pos
        self.take()  # the geometry type
        while self.peek_word() in ("Z", "M", "ZM", "EMPTY"):
            self.take()
        if self.peek() and self.peek()[1] == "(":
            self._skip_parentheses()
        text = self.text[start:self.pos]
        try:
            shape = shapely.from_wkt(text)
        except Exception as exc:
            raise CqlError(f"geometria WKT inválida: {text.strip()[:60]!r}") from exc
        return _checked(shape)

    def _skip_parentheses(self) -> None:
        level = 0
        for index in range(self.pos, len(self.text)):
            char = self.text[index]
            level += {"(": 1, ")": -1}.get(char, 0)
            if level == 0 and char == ")":
                self.pos = index + 1
                return
        raise CqlError("geometria WKT sem parêntese de fecho")

    def interval(self) -> Interval:
        self.take()
        self.expect("(")
        start = self.interval_bound()
        self.expect(",")
        end = self.interval_bound()
        self.expect(")")
        return Interval(start, end)

    def interval_bound(self) -> Any:
        token = self.peek()
        if token and token[0] == "string":
            self.take()
            text = token[1][1:-1].replace("''", "'")
            return None if text == ".." else _temporal_literal("INTERVAL", text)
        return self.scalar()

    def predicate(self) -> Any:
        left = self.scalar()
        negate = self.accept("NOT")
        word = self.peek_word()
        if word == "LIKE":
            self.take()
            return self._maybe_not(Op("like", (left, self.scalar())), negate)
        if word == "BETWEEN":
            self.take()
            low = self.scalar()
            self.expect("AND")
            return self._maybe_not(Op("between", (left, low, self.scalar())), negate)
        if word == "IN":
            self.take()
            return self._maybe_not(Op("in", (left, *self.scalar_list())), negate)
        if negate:
            raise CqlError("NOT fora de lugar no filtro")
        if word == "IS":
            self.take()
            negate = self.accept("NOT")
            self.expect("NULL")
            return self._maybe_not(Op("isNull", (left,)), negate)
        kind, op = self.take()
        if op not in COMPARISONS:
            raise CqlError(f"esperava um operador de comparação e encontrou {op!r}")
        return Op(op, (left, self.scalar()))

    @staticmethod
    def _maybe_not(tree: Op, negate: bool) -> Any:
        return Op("not", (tree,)) if negate else tree

    def scalar_list(self) -> list[Any]:
        self.expect("(")
        values = [self.scalar()]
        while self.accept(","):
            values.append(self.scalar())
        self.expect(")")
        return values

    def scalar(self) -> Any:
        kind, value = self.take()
        if kind == "string":
            return Lit(value[1:-1].replace("''", "'"))
        if kind == "number":
            number = float(value)
            return Lit(int(value) if re.fullmatch(r"-?\d+", value) else number)
        if kind == "quoted":
            return Prop(value[1:-1].replace('""', '"'))
        if kind == "word":
            return self.word_scalar(value)
        raise CqlError(f"valor inesperado no filtro: {value!r}")

    def word_scalar(self, word: str) -> Any:
        upper = word.upper()
        if upper in ("TRUE", "FALSE"):
            return Lit(upper == "TRUE")
        if upper in ("DATE", "TIMESTAMP"):
            self.expect("(")
            kind, text = self.take()
            if kind != "string":
                raise CqlError(f"{upper} espera um texto entre plicas")
            self.expect(")")
            return _temporal_literal(upper, text[1:-1])
        if upper in ("CASEI", "LOWER", "UPPER") and self.peek() and self.peek()[1] == "(":
            self.expect("(")
            argument = self.scalar()
            self.expect(")")
            return Func("casei", (argument,))
        if self.peek() and self.peek()[1] == "(":
            raise CqlError(f"função não suportada no filtro: {word}")
        if upper in ("AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL"):
            raise CqlError(f"palavra reservada fora de lugar no filtro: {word}")
        return Prop(word)


def parse_text(text: str) -> Any:
    """Parse the CQL2 text encoding."""
    if not text.strip():
        raise CqlError("filtro vazio")
    return TextParser(text).parse()


# ---- CQL2 JSON ---------------------------------------------------------------------------------

JSON_OPS = {"and", "or", "not", "=", "<>", "<", "<=", ">", ">=", "like", "between", "in",
            "isNull", *SPATIAL, *TEMPORAL}


def parse_json(document: str | bytes | dict) -> Any:
    """Parse the CQL2 JSON encoding (a document or its text)."""
    if isinstance(document, (str, bytes)):
        if len(document) > MAX_LENGTH:
            raise CqlError("filtro demasiado longo")
        try:
            document = json.loads(document)
        except ValueError as exc:
            raise CqlError(f"filtro CQL2-JSON não é JSON válido: {exc}") from exc
    return _json_node(document, 0)


def _json_node(node: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CqlError("filtro demasiado aninhado")
    if isinstance(node, bool) or isinstance(node, (int, float, str)):
        return Lit(node)
    if isinstance(node, dict):
        return _json_object(node, depth)
    raise CqlError(f"elemento inesperado no filtro CQL2-JSON: {json.dumps(node)[:60]}")


def _json_object(node: dict, depth: int) -> Any:
    if "op" in node:
        return _json_op(node, depth)
    if set(node) == {"property"} and isinstance(node["property"], str):
        return Prop(node["property"])
    if set(node) == {"date"} and isinstance(node["date"], str):
        return _temporal_literal("DATE", node["date"])
    if set(node) == {"timestamp"} and isinstance(node["timestamp"], str):
        return _temporal_literal("TIMESTAMP", node["timestamp"])
    if set(node) == {"interval"}:
        return _json_interval(node["interval"], depth)
    if set(node) == {"bbox"} and isinstance(node["bbox"], list):
        return bbox_geometry([_json_number(v) for v in node["bbox"]])
    if "type" in node and ("coordinates" in node or "geometries" in node):
        return _geometry(node)
    raise CqlError(f"objeto inesperado no filtro CQL2-JSON: {json.dumps(node)[:60]}")


def _json_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CqlError("BBOX espera números")
    return float(value)


def _json_interval(bounds: Any, depth: int) -> Interval:
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise CqlError("interval espera dois limites")
    parts = []
    for bound in bounds:
        if bound == "..":
            parts.append(None)
        elif isinstance(bound, str):
            parts.append(_temporal_literal("INTERVAL", bound))
        else:
            parts.append(_json_node(bound, depth + 1))
    return Interval(*parts)


def _json_op(node: dict, depth: int) -> Any:
    op, args = node.get("op"), node.get("args")
    if set(node) - {"op", "args"} or not isinstance(args, list):
        raise CqlError(f"operação CQL2-JSON mal formada: {json.dumps(node)[:60]}")
    name = op.lower() if isinstance(op, str) and op.lower() != "isnull" else op
    name = "isNull" if isinstance(op, str) and op.lower() == "isnull" else name
    if name == "casei":
        return Func("casei", tuple(_json_node(a, depth + 1) for a in args))
    if name not in JSON_OPS:
        raise CqlError(f"operador não suportado no filtro: {op!r}")
    if name == "in":
        return _json_in(args, depth)
    return Op(name, tuple(_json_node(a, depth + 1) for a in args))


def _json_in(args: list, depth: int) -> Op:
    if len(args) != 2 or not isinstance(args[1], list):
        raise CqlError("'in' espera um valor e uma lista")
    values = tuple(_json_node(a, depth + 1) for a in args[1])
    return Op("in", (_json_node(args[0], depth + 1), *values))
