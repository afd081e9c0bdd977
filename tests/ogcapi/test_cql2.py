"""CQL2 text and JSON encodings parse into the same tree; errors name the problem."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sig.ogcapi.cql2 import CqlError, Geom, Interval, Lit, Op, Prop, parse_json, parse_text

PAIRS = [
    ("tipo = 'saude'", {"op": "=", "args": [{"property": "tipo"}, "saude"]}),
    ("potencia_w >= 100 AND led = TRUE",
     {"op": "and", "args": [{"op": ">=", "args": [{"property": "potencia_w"}, 100]},
                            {"op": "=", "args": [{"property": "led"}, True]}]}),
    ("NOT (nome LIKE 'Esc%' OR nome IS NULL)",
     {"op": "not", "args": [{"op": "or", "args": [
         {"op": "like", "args": [{"property": "nome"}, "Esc%"]},
         {"op": "isNull", "args": [{"property": "nome"}]}]}]}),
    ("potencia_w BETWEEN 10 AND 20",
     {"op": "between", "args": [{"property": "potencia_w"}, 10, 20]}),
    ("tipo IN ('saude', 'cultura')",
     {"op": "in", "args": [{"property": "tipo"}, ["saude", "cultura"]]}),
    ("S_INTERSECTS(geometry, POINT(-8.8 39.7))",
     {"op": "s_intersects", "args": [{"property": "geometry"},
                                     {"type": "Point", "coordinates": [-8.8, 39.7]}]}),
    ("S_WITHIN(geometry, BBOX(-9, 39, -8, 40))",
     {"op": "s_within", "args": [{"property": "geometry"}, {"bbox": [-9, 39, -8, 40]}]}),
    ("T_AFTER(updated_at, TIMESTAMP('2024-01-01T00:00:00Z'))",
     {"op": "t_after", "args": [{"property": "updated_at"},
                                {"timestamp": "2024-01-01T00:00:00Z"}]}),
    ("T_DURING(updated_at, INTERVAL('2024-01-01', '..'))",
     {"op": "t_during", "args": [{"property": "updated_at"}, {"interval": ["2024-01-01", ".."]}]}),
    ("CASEI(nome) = CASEI('Escola')",
     {"op": "=", "args": [{"op": "casei", "args": [{"property": "nome"}]},
                          {"op": "casei", "args": ["Escola"]}]}),
    ("data_instalacao < DATE('2020-01-01')",
     {"op": "<", "args": [{"property": "data_instalacao"}, {"date": "2020-01-01"}]}),
]


@pytest.mark.parametrize("text, document", PAIRS)
def test_text_and_json_give_the_same_tree(text, document):
    assert parse_text(text) == parse_json(document)


def test_tree_shapes():
    assert parse_text("a_b <> 'O''Neil'") == Op("<>", (Prop("a_b"), Lit("O'Neil")))
    assert parse_text('"quoted name" = 1.5') == Op("=", (Prop("quoted name"), Lit(1.5)))
    tree = parse_text("T_DURING(updated_at, INTERVAL('2024-01-01', '2024-02-01T10:00:00Z'))")
    assert tree.args[1] == Interval(Lit(date(2024, 1, 1)),
                                    Lit(datetime(2024, 2, 1, 10, tzinfo=UTC)))
    geometry = parse_text("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))").args[1]
    assert isinstance(geometry, Geom) and geometry.geojson["type"] == "Polygon"


@pytest.mark.parametrize("text, message", [
    ("", "vazio"), ("tipo =", "incompleto"), ("tipo = 'a'))", "a mais"),
    ("tipo = 'a", "inválido"), ("' OR 1=1 --", "inválido"), ("tipo == 'a'", "inesperado"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "Self-intersection"),
    ("S_INTERSECTS(geometry, POINT(1))", "WKT"), ("FOO(nome) = 1", "função"),
    ("T_AFTER(updated_at, TIMESTAMP('ontem'))", "TIMESTAMP"),
    ("S_INTERSECTS(geometry, BBOX(1, 2, 0, 3))", "BBOX"), ("AND = 1", "reservada"),
    ("(" * 60 + "a = 1" + ")" * 60, "aninhado"),
])
def test_text_errors(text, message):
    with pytest.raises(CqlError, match=message):
        parse_text(text)


@pytest.mark.parametrize("document, message", [
    ("{not json", "JSON"), ({"op": "drop", "args": []}, "não suportado"),
    ({"op": "=", "args": "x"}, "mal formada"), ({"op": "=", "args": [{"x": 1}, 1]}, "inesperado"),
    ({"op": "s_intersects", "args": [{"property": "geometry"},
                                     {"type": "Polygon", "coordinates": [[[0, 0]]]}]},
     "geometria"),
    ({"op": "t_after", "args": [{"property": "updated_at"}, {"interval": ["2024-01-01"]}]},
     "dois limites"),
])
def test_json_errors(document, message):
    with pytest.raises(CqlError, match=message):
        parse_json(document)
