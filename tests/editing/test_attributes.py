"""Attribute values checked against the registry (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from sig.editing.attributes import clean_properties, requested_municipio
from sig.editing.errors import EditingError
from sig.registry import get_registry


def theme(name: str):
    return get_registry()[name]


def test_full_replacement_fills_absent_optional_attributes_with_null():
    values = clean_properties(theme("equipamentos"), {"tipo": "saude", "nome": "Centro"},
                              partial=False)
    assert values == {"tipo": "saude", "nome": "Centro", "morada": None, "codigo_postal": None,
                      "contacto": None}


def test_partial_change_keeps_only_given_attributes():
    assert clean_properties(theme("equipamentos"), {"nome": "Novo"}, partial=True) == {
        "nome": "Novo"}


def test_types_are_converted():
    values = clean_properties(theme("iluminacao_publica"), {
        "tipo_luminaria": get_registry().code_values("iluminacao_publica", "tipo_luminaria")[0],
        "potencia_w": 70, "led": True, "estado": get_registry().code_values(
            "iluminacao_publica", "estado")[0], "data_instalacao": "2024-05-01"}, partial=False)
    assert values["data_instalacao"] == dt.date(2024, 5, 1) and values["led"] is True


@pytest.mark.parametrize("properties, status, field", [
    ({"tipo": "saude", "nome": "x", "cor": "azul"}, 400, "cor"),
    ({"tipo": 3, "nome": "x"}, 400, "tipo"),
    ({"tipo": "piscina", "nome": "x"}, 422, "tipo"),
    ({"tipo": "saude"}, 422, "nome"),
    ({"tipo": "saude", "nome": ""}, 422, "nome"),
    ({"tipo": "saude", "nome": "x" * 201}, 422, "nome"),
    ({"tipo": "saude", "nome": "a\x00b"}, 400, "nome"),
])
def test_bad_values_name_the_field(properties, status, field):
    with pytest.raises(EditingError) as caught:
        clean_properties(theme("equipamentos"), properties, partial=False)
    assert caught.value.status == status
    assert [p.field for p in caught.value.problems] == [field]


@pytest.mark.parametrize("name, value, status", [
    ("capacidade_l", "grande", 400), ("capacidade_l", 1.5, 400), ("capacidade_l", True, 400),
    ("capacidade_l", 60000, 422), ("capacidade_l", -1, 422), ("enterrado", "sim", 400),
])
def test_numbers_and_booleans(name, value, status):
    properties = {"fluxo": get_registry().code_values("residuos", "fluxo")[0],
                  "enterrado": False, name: value}
    with pytest.raises(EditingError) as caught:
        clean_properties(theme("residuos"), properties, partial=False)
    assert caught.value.status == status


def test_markup_is_kept_as_plain_text():
    text = '<script>alert("x")</script><b>negrito</b>'
    values = clean_properties(theme("equipamentos"), {"tipo": "saude", "nome": text},
                              partial=True)
    assert values["nome"] == text


def test_system_columns_sent_back_are_ignored():
    values = clean_properties(theme("equipamentos"), {"nome": "x", "row_version": 9,
                                                      "updated_by": "z", "id": 4}, partial=True)
    assert values == {"nome": "x"}


def test_requested_municipio_must_be_a_dico():
    assert requested_municipio({"municipio": "1009"}) == "1009"
    assert requested_municipio({}) is None
    with pytest.raises(EditingError, match="município inválido"):
        requested_municipio({"municipio": "Leiria"})
