"""CQL2 trees compile to SQL with bound parameters: request text never becomes SQL text."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from sig.conf import get_settings
from sig.crs import CRS84
from sig.ogcapi.collections import get_collections
from sig.ogcapi.cql2 import CqlError, parse_text
from sig.ogcapi.params import parse_items
from sig.ogcapi.query import count_statement, page_statement
from sig.ogcapi.sqlfilter import compile_filter

LIGHTS = get_collections()["iluminacao_publica"]
PAYLOADS = ["'; DROP TABLE moradas; --", "1) OR (1=1", "x' || pg_sleep(5) || '",
            "$$; SELECT 1; $$", "\\'; DELETE FROM municipio; --"]


def compiled(text: str) -> tuple[str, list]:
    condition, params = compile_filter(parse_text(text), LIGHTS, CRS84)
    with psycopg.connect(get_settings().database_reader_url) as conn:
        return condition.as_string(conn), params


@pytest.mark.parametrize("payload", PAYLOADS)
def test_filter_literals_are_parameters(payload):
    quoted = payload.replace("'", "''")
    text, params = compiled(f"circuito = '{quoted}' OR estado IN ('{quoted}')")
    assert payload in params
    assert payload not in text and "DROP" not in text and "DELETE" not in text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_items_parameter_is_bound(payload):
    """Values of all parameters that reach SQL travel as parameters, never in the text."""
    params = {"circuito": [payload], "municipio": ["1009"],
              "filter": ["circuito = '" + payload.replace("'", "''") + "'"],
              "datetime": ["2024-01-01/.."], "bbox": ["-9,39,-8,40"]}
    query = parse_items(params, LIGHTS)
    with psycopg.connect(get_settings().database_reader_url) as conn:
        for statement, values in (page_statement(LIGHTS, query, False),
                                  count_statement(LIGHTS, query)):
            text = statement.as_string(conn)
            assert payload not in text
            assert values.count(payload) == 2
            assert text.count("%s") == len(values)


@pytest.mark.parametrize("text, message", [
    ("nada = 1", "propriedade desconhecida"), ("potencia_w = 'muito'", "incompatíveis"),
    ("led LIKE 'x%'", "LIKE"), ("circuito BETWEEN 'a' AND 'b'", "BETWEEN"),
    ("T_AFTER(circuito, DATE('2024-01-01'))", "não é temporal"),
    ("S_INTERSECTS(circuito, POINT(1 2))", "espaciais"), ("geometry = 1", "incompatíveis"),
    ("potencia_w = 99999999999999999999", "fora do intervalo"),
    ("CASEI(potencia_w) = 'x'", "texto"),
])
def test_semantic_errors(text, message):
    with pytest.raises(CqlError, match=message):
        compile_filter(parse_text(text), LIGHTS, CRS84)


def test_temporal_relations_use_both_ends_of_intervals():
    text, params = compiled("T_DURING(updated_at, INTERVAL('2024-01-01', '..'))")
    assert "'infinity'::timestamptz" in text and len(params) == 1 == text.count("%s")
    assert isinstance(compile_filter(parse_text("TRUE"), LIGHTS, CRS84)[0], sql.Composable)


@pytest.mark.parametrize("op", sorted(__import__("sig.ogcapi.sqlfilter", fromlist=["x"])
                                      .TEMPORAL_RELATIONS))
@pytest.mark.parametrize("other", ["DATE('2024-01-01')", "TIMESTAMP('2024-01-01T10:00:00Z')",
                                   "INTERVAL('2024-01-01', '..')",
                                   "INTERVAL('..', TIMESTAMP('2024-01-01T10:00:00Z'))"])
def test_every_temporal_function_binds_exactly_what_it_writes(op, other):
    text, params = compiled(f"{op.upper()}(updated_at, {other})")
    assert text.count("%s") == len(params)
