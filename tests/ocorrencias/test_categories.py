"""The categories file is checked in stages, with messages naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sig.ocorrencias.categories import CategoryError, load_categories

GOOD = """
categorias:
  - code: iluminacao
    title: {pt: Iluminação, en: Lighting}
    description: {pt: Candeeiro, en: Street light}
    target_hours: 72
    theme: iluminacao_publica
    services: {default: Obras, "1009": Energia}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "categorias.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_and_a_minimal_one_are_valid(tmp_path):
    shipped = load_categories()
    assert shipped.get("iluminacao").theme == "iluminacao_publica"
    assert shipped.get("iluminacao").service_for("1009") != shipped.get(
        "iluminacao").service_for("1010")
    assert [c.code for c in load_categories(write(tmp_path, GOOD))] == ["iluminacao"]


@pytest.mark.parametrize("change, message", [
    (("target_hours: 72", "target_hours: [1"), "categorias.yml: line"),
    (("target_hours: 72", "target_hours: muito"), "categorias.yml: categorias.0.target_hours"),
    (("theme: iluminacao_publica", "theme: candeeiros"),
     "categorias.yml: categorias.0.theme: unknown theme 'candeeiros'"),
    (('"1009": Energia', '"1001": Energia'),
     "categorias.yml: categorias.0.services.1001: not a served municipality"),
    (("default: Obras, ", ""), "categorias.yml: categorias.0.services: no service for 1002"),
    (("code: iluminacao", "code: Ilumina ção"), "categorias.yml: categorias.0.code"),
])
def test_problems_name_the_file_and_the_field(tmp_path, change, message):
    with pytest.raises(CategoryError) as raised:
        load_categories(write(tmp_path, GOOD.replace(*change)))
    assert any(p.startswith(message) for p in raised.value.problems), raised.value.problems


def test_sig_check_reports_a_broken_file(tmp_path, sig_env):
    from sig.checks import check_ocorrencias_categories

    sig_env(SIG_OCORRENCIAS_CATEGORIAS=str(write(tmp_path, GOOD.replace("theme: ilum",
                                                                        "theme: x"))))
    check = check_ocorrencias_categories()
    assert not check.ok and "categorias.0.theme" in check.detail
