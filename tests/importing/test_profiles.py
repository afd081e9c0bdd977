"""Mapping profiles: checked like the registry (messages naming file and field), and
applied to source values (renames, value maps, constants, expressions, defaults, keys)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from sig.conf import BASE_DIR
from sig.importing import profiles
from sig.importing.errors import ImportRefused
from sig.importing.mapping import Mapper
from sig.registry import get_registry


def load(tmp_path: Path, text: str, theme: str = "iluminacao_publica"):
    path = tmp_path / "perfil.yml"
    path.write_text(text, encoding="utf-8")
    registry = get_registry()
    return profiles.load(path, registry[theme], registry)


@pytest.mark.parametrize("text,expected", [
    ("theme: iluminacao_publica\nfields:\n  estado: {value: partido}",
     "perfil.yml: fields.estado.value: 'partido' não é um código da lista estado"),
    ("theme: iluminacao_publica\nfields:\n  estado: {from: X, map: {Bom: otimo}}",
     "perfil.yml: fields.estado.map.Bom: 'otimo' não é um código da lista estado"),
    ("theme: iluminacao_publica\nfields:\n  estado: {from: X, default: novo}",
     "perfil.yml: fields.estado.default: 'novo' não é um código"),
    ("theme: iluminacao_publica\nfields:\n  cor: {from: X}",
     "perfil.yml: fields.cor: o tema iluminacao_publica não tem o atributo 'cor'"),
    ("theme: iluminacao_publica\nfields:\n  circuito: {from: X, extract: '(['}",
     "perfil.yml: fields.circuito.extract: expressão regular inválida"),
    ("theme: iluminacao_publica\nfields:\n  circuito: {from: X, value: Y}",
     "perfil.yml: fields.circuito: use só um de from, value, template"),
    ("theme: iluminacao_publica\nfields:\n  led: {from: X, date_format: '%d'}",
     "perfil.yml: fields.led.date_format: 'led' não é uma data"),
    ("theme: iluminacao_publica\nsource: {crs: EPSG:99999}",
     "perfil.yml: source.crs: sistema de coordenadas desconhecido"),
    ("theme: iluminacao_publica\nchave: [x]", "perfil.yml: chave: campo desconhecido"),
    ("theme: moradas", "perfil.yml: theme: o perfil é do tema 'moradas'"),
    ("theme: [", "perfil perfil.yml: linha 1 YAML inválido"),
])
def test_bad_profiles_name_file_and_field(tmp_path, text, expected):
    with pytest.raises(ImportRefused) as refused:
        load(tmp_path, text)
    assert expected in str(refused.value)


def test_shipped_profiles_are_valid():
    registry = get_registry()
    files = sorted((BASE_DIR / "data" / "profiles").rglob("*.yml"))
    assert len(files) >= 7
    for path in files:
        theme = profiles.parse(path.read_text(encoding="utf-8"), path.name).theme
        assert profiles.load(path, registry[theme], registry).sha256


def mapped(tmp_path, text, frame: pd.DataFrame, theme="iluminacao_publica", layer="camada"):
    registry = get_registry()
    profile = load(tmp_path, text, theme).profile
    mapper = Mapper(profile, registry[theme], registry)
    geoms = shapely.points(np.arange(len(frame)), np.zeros(len(frame)))
    return mapper.map(frame, layer, np.arange(len(frame)), geoms)


def test_renames_maps_constants_expressions_and_defaults(tmp_path):
    frame = pd.DataFrame({
        "TIPO": ["Viária", "GLOBO", "projector", None],
        "POT_KW": [0.1, "0,25", 0.07, None],
        "Tecnologia": ["LED", "sódio", "led", "LED"],
        "DATA": ["01/02/2020", "31/12/1999", None, "2020-13-01"],
        "CIRC": ["Q1-C2", None, "Q3", "Q4"],
        "Quadro": [None, "Q9", None, None],
        "ID": ["a", "b", "c", "d"],
    })
    text = """theme: iluminacao_publica
key: {fields: [ID], with_layer: true}
fields:
  tipo_luminaria: {from: TIPO, map: {projector: projetor}}
  potencia_w: {from: POT_KW, multiply: 1000}
  led: {from: Tecnologia, map: {LED: sim, sódio: não}}
  estado: {value: funcional}
  data_instalacao: {from: DATA, date_format: "%d/%m/%Y"}
  circuito: {from: [CIRC, Quadro], default: sem}
"""
    result = mapped(tmp_path, text, frame)
    assert list(result.columns["tipo_luminaria"]) == ["viaria", "globo", "projetor", None]
    assert list(result.columns["potencia_w"]) == [100.0, 250.0, 70.0, None]
    assert list(result.columns["led"]) == [True, False, True, True]
    assert list(result.columns["estado"]) == ["funcional"] * 4
    assert result.columns["data_instalacao"][0] == dt.date(2020, 2, 1)
    assert list(result.columns["circuito"]) == ["Q1-C2", "Q9", "Q3", "Q4"]
    assert list(result.keys) == ["camada/a", "camada/b", "camada/c", "camada/d"]
    assert list(result.problems[0]) == []
    assert list(result.problems[3]) == [
        "atributo obrigatório em falta: tipo_luminaria",
        "valor '2020-13-01' de data_instalacao não é uma data (%d/%m/%Y)"]


def test_bad_values_are_reported_per_feature(tmp_path):
    frame = pd.DataFrame({"tipo_luminaria": ["laser", "viaria"], "potencia_w": ["x", "5000"],
                          "led": ["talvez", "1"], "estado": ["funcional", "avariado"],
                          "circuito": ["C" * 41, "C1"]})
    result = mapped(tmp_path, "theme: iluminacao_publica", frame)
    assert list(result.problems[0]) == [
        "valor 'laser' de tipo_luminaria não está na lista tipo_luminaria",
        "valor 'x' de potencia_w não é um número",
        "valor 'talvez' de led não é sim/não",
        "circuito tem 41 caracteres (máximo 40)"]
    assert list(result.problems[1]) == ["potencia_w = 5000 fora do intervalo [0, 2000]"]
    assert list(result.keys) == ["camada/0", "camada/1"]  # no key in the profile: layer/fid


def test_template_extract_and_geometry_key(tmp_path):
    frame = pd.DataFrame({"Nome": ["Tribunal", "Conservatória"],
                          "CodigoPostal": ["2410 – 190 Leiria", "sem código"],
                          "Telefone": ["244 000 000", None], "Email": ["a@b.pt", "c@d.pt"]})
    text = r"""theme: equipamentos
key: {fields: [Nome], geometry: true}
fields:
  tipo: {value: justica}
  nome: {from: nome}
  codigo_postal: {from: CodigoPostal, extract: '(\d{4})\s*[-–]\s*(\d{3})', replace: '\1-\2'}
  contacto: {template: "{Telefone}; {Email}"}
"""
    result = mapped(tmp_path, text, frame, theme="equipamentos")
    assert list(result.columns["codigo_postal"]) == ["2410-190", None]
    assert list(result.columns["contacto"]) == ["244 000 000; a@b.pt", "c@d.pt"]
    assert list(result.notes[1]) == [
        "valor 'sem código' não corresponde ao padrão de codigo_postal; atributo deixado vazio"]
    assert result.keys[0].startswith("Tribunal|") and len(result.keys[0]) == len("Tribunal|") + 20


def test_codes_by_label_and_dbf_numbers(tmp_path):
    frame = pd.DataFrame({"COD": [13.0, 3.0, np.nan], "LEG": ["x", "y", "Espaço Central"]})
    text = "theme: ordenamento\nfields:\n  codigo: {from: [COD, LEG]}"
    result = mapped(tmp_path, text, frame, theme="ordenamento")
    assert list(result.columns["codigo"]) == ["13", "3", "2"]


def test_the_documented_example_is_a_valid_profile():
    text = (BASE_DIR / "docs" / "importing.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    registry = get_registry()
    profile = profiles.parse(example, "importing.md")
    profiles.check(profile, "importing.md", registry["iluminacao_publica"], registry)
    assert profile.fields["potencia_w"].multiply == 1000
