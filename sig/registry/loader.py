"""Load `layers/*.yml` in stages — syntax, types, references — with messages naming file and field.

The database stage lives in `sig.checks`, since it needs a connection.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from sig.conf import BASE_DIR
from sig.registry.schema import AttributeType, CodeListFile, CodeValue, Text, Theme

LAYERS_DIR = BASE_DIR / "layers"


class RegistryError(Exception):
    """One or more problems in the registry, each naming file and field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Registry:
    """All themes, with their code lists resolved."""

    themes: dict[str, Theme]
    codes: dict[tuple[str, str], tuple[CodeValue, ...]] = field(default_factory=dict)
    folder: Path = LAYERS_DIR

    def __iter__(self):
        return iter(self.themes.values())

    def __getitem__(self, theme_id: str) -> Theme:
        return self.themes[theme_id]

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self.themes

    def codelist(self, theme_id: str, name: str) -> tuple[CodeValue, ...]:
        return self.codes[(theme_id, name)]

    def code_values(self, theme_id: str, attribute: str) -> tuple[str, ...]:
        """Allowed codes of a code attribute."""
        codelist = self.themes[theme_id].attribute(attribute).codelist
        assert codelist is not None
        return tuple(value.code for value in self.codes[(theme_id, codelist)])


def _where(path: Path, loc: Iterable[object]) -> str:
    dotted = ".".join(str(part) for part in loc)
    return f"{path.name}: {dotted}" if dotted else path.name


def parse_yaml[M: BaseModel](path: Path, text: str, model: type[M],
                             error: type[RegistryError] = RegistryError) -> M:
    """Stages 1 and 2 for one YAML file: syntax, then types against `model`; every problem
    names the file and the line or field (raised as `error`)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise error([f"{path.name}:{line} invalid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise error([f"{path.name}: expected a mapping at the top level"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error([f"{_where(path, e['loc'])}: {e['msg']}" for e in exc.errors()]) from exc


def parse_file(path: Path) -> Theme:
    """Stages 1 and 2 for one theme file."""
    return parse_yaml(path, path.read_text(encoding="utf-8"), Theme)


def read_codelist_file(folder: Path, spec: CodeListFile) -> tuple[CodeValue, ...]:
    """Read a CSV code list, keeping rows whose columns match `spec.where` (substring)."""
    with (folder / spec.file).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    values = []
    for row in rows:
        if all(needle in (row.get(column) or "") for column, needle in spec.where.items()):
            label = row[spec.label_column]
            values.append(CodeValue(code=row[spec.code_column], label=Text(pt=label, en=label)))
    return tuple(values)


def _resolve_codelists(path: Path, theme: Theme, folder: Path) -> tuple[dict, list[str]]:
    codes: dict[tuple[str, str], tuple[CodeValue, ...]] = {}
    problems: list[str] = []
    for name, spec in theme.codelists.items():
        where = f"{path.name}: codelists.{name}"
        if isinstance(spec, CodeListFile):
            if not (folder / spec.file).is_file():
                problems.append(f"{where}.file: file not found: {spec.file}")
                continue
            try:
                values = read_codelist_file(folder, spec)
            except KeyError as exc:
                problems.append(f"{where}: column {exc} not in {spec.file}")
                continue
        else:
            values = tuple(spec)
        seen = [value.code for value in values]
        if not values:
            problems.append(f"{where}: code list is empty")
        elif len(set(seen)) != len(seen):
            problems.append(f"{where}: duplicate codes")
        codes[(theme.id, name)] = values
    return codes, problems


def _check_references(path: Path, theme: Theme, codes: dict) -> list[str]:
    """Stage 3: names used in one part of the theme exist in another."""
    problems = []
    if theme.id != path.stem:
        problems.append(f"{path.name}: id: '{theme.id}' differs from the file name '{path.stem}'")
    names = {attribute.name for attribute in theme.attributes}
    for index, attribute in enumerate(theme.attributes):
        if attribute.type is AttributeType.CODE and attribute.codelist not in theme.codelists:
            problems.append(
                f"{path.name}: attributes.{index}.codelist: code list '{attribute.codelist}' "
                "is not defined in codelists"
            )
    style = theme.style
    if style.classify_by and style.classify_by not in names:
        problems.append(f"{path.name}: style.classify_by: unknown attribute '{style.classify_by}'")
    elif style.classify_by:
        attribute = theme.attribute(style.classify_by)
        allowed = {v.code for v in codes.get((theme.id, attribute.codelist or ""), ())}
        for code in style.classes:
            if allowed and code not in allowed:
                problems.append(f"{path.name}: style.classes.{code}: not a code of the list")
    if style.label and style.label.attribute not in names:
        problems.append(f"{path.name}: style.label.attribute: unknown '{style.label.attribute}'")
    return problems


def load_registry(folder: Path = LAYERS_DIR) -> Registry:
    """Load and check every theme file in `folder`; raise RegistryError listing all problems."""
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise RegistryError([f"{folder}: no theme files (*.yml)"])
    themes: dict[str, Theme] = {}
    codes: dict[tuple[str, str], tuple[CodeValue, ...]] = {}
    problems: list[str] = []
    for path in files:
        try:
            theme = parse_file(path)
        except RegistryError as exc:
            problems.extend(exc.problems)
            continue
        theme_codes, codelist_problems = _resolve_codelists(path, theme, folder)
        problems += codelist_problems
        problems += _check_references(path, theme, theme_codes)
        if theme.id in themes:
            problems.append(f"{path.name}: id: duplicate theme id '{theme.id}'")
        themes[theme.id] = theme
        codes.update(theme_codes)
    if problems:
        raise RegistryError(problems)
    return Registry(themes=themes, codes=codes, folder=folder)


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The registry of this deployment (loaded once per process)."""
    return load_registry()
