"""The registry loads, and bad theme files fail with messages naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from sig.registry import RegistryError, load_registry
from sig.registry.loader import LAYERS_DIR

THEMES = ("equipamentos", "rede_viaria", "ordenamento", "condicionantes", "iluminacao_publica",
          "residuos", "moradas")


def test_real_registry_has_the_required_themes():
    registry = load_registry()
    for theme in THEMES:
        assert theme in registry
    assert registry["rede_viaria"].geometry.value == "MultiLineString"
    assert "justica" in registry.code_values("equipamentos", "tipo")


def test_pdm_codes_come_from_the_national_objeto_tipo_list():
    registry = load_registry()
    codes = registry.code_values("ordenamento", "codigo")
    assert "2" in codes  # Espaço Central
    assert "148" not in codes  # REN is a condicionante, not an ordenamento category
    assert "148" in registry.code_values("condicionantes", "codigo")
    assert "68" in registry.code_values("condicionantes", "codigo")  # RAN


@pytest.fixture
def layers(tmp_path: Path) -> Path:
    folder = tmp_path / "layers"
    shutil.copytree(LAYERS_DIR, folder)
    return folder


def _edit(folder: Path, theme: str, change) -> None:
    path = folder / f"{theme}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _problems(folder: Path) -> str:
    with pytest.raises(RegistryError) as info:
        load_registry(folder)
    return str(info.value)


def test_unknown_attribute_type(layers):
    _edit(layers, "residuos", lambda d: d["attributes"][1].update(type="number"))
    message = _problems(layers)
    assert "residuos.yml: attributes.1.type" in message
    assert "number" in message or "Input should be" in message


def test_missing_code_list(layers):
    _edit(layers, "equipamentos", lambda d: d["codelists"].clear())
    message = _problems(layers)
    assert "equipamentos.yml: attributes.0.codelist" in message
    assert "tipo_equipamento" in message


def test_duplicate_attribute(layers):
    _edit(layers, "moradas", lambda d: d["attributes"].append(dict(d["attributes"][0])))
    message = _problems(layers)
    assert "moradas.yml: attributes" in message
    assert "duplicate attribute 'arruamento'" in message


def test_unknown_srid(layers):
    _edit(layers, "moradas", lambda d: d.update(srid=99999))
    message = _problems(layers)
    assert "moradas.yml: srid" in message and "99999" in message


def test_unknown_geometry_type(layers):
    _edit(layers, "moradas", lambda d: d.update(geometry="Circle"))
    assert "moradas.yml: geometry" in _problems(layers)


def test_style_class_not_in_code_list(layers):
    _edit(layers, "residuos", lambda d: d["style"]["classes"].update(plastico={"fill": "#000000"}))
    assert "residuos.yml: style.classes.plastico" in _problems(layers)


def test_invalid_yaml_names_the_line(layers):
    (layers / "moradas.yml").write_text("id: moradas\n  bad: [\n", encoding="utf-8")
    message = _problems(layers)
    assert message.startswith("moradas.yml: line")


def test_file_name_must_match_id(layers):
    (layers / "moradas.yml").rename(layers / "enderecos.yml")
    assert "enderecos.yml: id" in _problems(layers)


def test_all_problems_are_reported_together(layers):
    _edit(layers, "moradas", lambda d: d.update(srid=1))
    _edit(layers, "residuos", lambda d: d["attributes"][1].update(type="number"))
    message = _problems(layers)
    assert "moradas.yml" in message and "residuos.yml" in message
