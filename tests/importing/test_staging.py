"""COPY text of the staging table: escaping, NUL characters, JSON of the original attributes."""

from __future__ import annotations

import json

import pandas as pd

from sig.importing.staging import _json_lines, escape


def test_copy_text_escapes():
    assert escape("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert escape("sem nada") == "sem nada"
    assert escape("nul\x00aqui") == "nulaqui"


def test_original_attributes_as_json_lines():
    frame = pd.DataFrame({"nome": ["linha\nnova", "nul\x00", "barra \\u0000 literal"],
                          "n": [1.5, None, 3.0], 7: ["a", "b", "c"]})
    lines = _json_lines(frame)
    assert len(lines) == 3
    values = [json.loads(line) for line in lines]
    assert values[0] == {"nome": "linha\nnova", "n": 1.5, "7": "a"}
    assert values[1]["nome"] == "nul" and values[1]["n"] is None
    assert values[2]["nome"] == "barra \\u0000 literal"
