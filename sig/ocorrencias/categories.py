"""The categories of occurrences (`ocorrencias/categorias.yml`), checked in stages like the
layer registry: YAML syntax, types, then references (themes, municipalities), with messages
naming the file and field."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from sig.conf import get_settings
from sig.registry import RegistryError, get_registry
from sig.registry.loader import parse_yaml
from sig.registry.schema import IDENT, Strict, Text

DEFAULT_SERVICE = "default"


class AttributeValue(Strict):
    key: str = Field(min_length=1, max_length=40)
    name: Text


class CategoryAttribute(Strict):
    """An extra question of a category (an Open311 service definition attribute)."""

    code: str = Field(pattern=IDENT, max_length=40)
    datatype: Literal["string", "number", "text", "singlevaluelist"] = "string"
    required: bool = False
    description: Text
    values: list[AttributeValue] = Field(default_factory=list)


class Category(Strict):
    """One category: who is responsible where, how fast, and which theme it relates to."""

    code: str = Field(pattern=IDENT, max_length=40)
    title: Text
    description: Text
    target_hours: int = Field(ge=1, le=24 * 365)
    theme: str | None = None
    theme_distance_m: float = Field(default=30, gt=0, le=500)
    services: dict[str, str] = Field(min_length=1)
    attributes: list[CategoryAttribute] = Field(default_factory=list)

    def service_for(self, dico: str) -> str:
        """The responsible service in municipality `dico`."""
        return self.services.get(dico) or self.services[DEFAULT_SERVICE]


class CategoryFile(Strict):
    categorias: list[Category] = Field(min_length=1)


class CategoryError(RegistryError):
    """Problems in the categories file, each naming file and field."""


@dataclass(frozen=True)
class Categories:
    """The valid categories, by code, in file order."""

    by_code: dict[str, Category]

    def __iter__(self):
        return iter(self.by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def get(self, code: str) -> Category | None:
        return self.by_code.get(code)


def _parse(path: Path) -> CategoryFile:
    """Stages 1 and 2: YAML syntax, then types (as the layer registry's files)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CategoryError([f"{path.name}: cannot be read: {exc.strerror}"]) from exc
    return parse_yaml(path, text, CategoryFile, CategoryError)


def _check_category(path: Path, index: int, category: Category, themes: set[str]) -> list[str]:
    """Stage 3 for one category: its theme and municipalities exist."""
    where = f"{path.name}: categorias.{index}"
    problems = []
    if category.theme is not None and category.theme not in themes:
        problems.append(f"{where}.theme: unknown theme '{category.theme}'")
    for number, attribute in enumerate(category.attributes):
        if (attribute.datatype == "singlevaluelist") != bool(attribute.values):
            problems.append(f"{where}.attributes.{number}.values: required for a "
                            "singlevaluelist, and only for it")
    served = set(get_settings().municipios)
    for key in category.services:
        if key != DEFAULT_SERVICE and key not in served:
            problems.append(f"{where}.services.{key}: not a served municipality (DICO)")
    if DEFAULT_SERVICE not in category.services and not served <= set(category.services):
        missing = ", ".join(sorted(served - set(category.services)))
        problems.append(f"{where}.services: no service for {missing} (add them or 'default')")
    return problems


def load_categories(path: Path | None = None) -> Categories:
    """Load and check the categories; raise CategoryError listing every problem."""
    path = path or get_settings().ocorrencias_categorias
    parsed = _parse(path)
    themes = {theme.id for theme in get_registry()}
    problems: list[str] = []
    by_code: dict[str, Category] = {}
    for index, category in enumerate(parsed.categorias):
        problems += _check_category(path, index, category, themes)
        if category.code in by_code:
            problems.append(f"{path.name}: categorias.{index}.code: duplicate '{category.code}'")
        by_code[category.code] = category
    if problems:
        raise CategoryError(problems)
    return Categories(by_code)


@lru_cache(maxsize=1)
def get_categories() -> Categories:
    """The categories of this deployment (loaded once per process)."""
    return load_categories()
