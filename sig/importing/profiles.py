"""Mapping profiles: how a municipality's fields and codes become a theme's attributes.

A profile is a YAML file (`data/profiles/<DICO>/<theme>.yml`), checked like the registry in
stages — YAML syntax, types, then references to the theme and its code lists — with messages
naming the file and the field. Example:

    theme: equipamentos
    fonte: "Ministério da Justiça — equipamentos"
    source: {crs: EPSG:4326, geometry: {x: Posicao.Lng, y: Posicao.Lat}}
    key: {fields: [Nome]}
    fields:
      tipo: {value: justica}
      nome: {from: Nome}
      codigo_postal: {from: CodigoPostal, extract: '(\\d{4})\\s*[-–]\\s*(\\d{3})',
                      replace: '\\1-\\2'}
      contacto: {template: "{Telefone} {Email}"}
"""

from __future__ import annotations

import codecs
import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from sig.importing.errors import ImportRefused
from sig.registry import AttributeType, Registry, Theme

Scalar = str | int | float | bool


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


NameList = Annotated[list[str], BeforeValidator(_as_list)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(Strict):
    """How one theme attribute is filled."""

    # Source field(s): the first one present and not empty, row by row.
    from_: NameList = Field(default_factory=list, alias="from")
    # A constant.
    value: Scalar | None = None
    # Concatenation: "{Rua} {Numero}" (missing values are left out).
    template: str | None = None
    # A regular expression searched in the value; with `replace`, its expansion ("\\1-\\2").
    extract: str | None = None
    replace: str | None = None
    # Value map (compared without case or accents); a value not listed passes unchanged.
    map: dict[str, Scalar | None] | None = None
    # Unit conversion of numbers (e.g. kW to W: 1000).
    multiply: float | None = None
    # Date format of the source (Python strptime, e.g. "%d/%m/%Y").
    date_format: str | None = None
    # Used when the result is empty.
    default: Scalar | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Rule:
        given = [bool(self.from_), self.value is not None, self.template is not None]
        if sum(given) > 1:
            raise ValueError("use só um de from, value, template")
        if self.replace is not None and self.extract is None:
            raise ValueError("replace precisa de extract")
        return self


class GeometryColumns(Strict):
    """Where a table (CSV, spreadsheet, JSON list) keeps its geometry."""

    x: str | None = None
    y: str | None = None
    wkt: str | None = None

    @model_validator(mode="after")
    def _pair(self) -> GeometryColumns:
        if self.wkt is None and not (self.x and self.y):
            raise ValueError("indique x e y, ou wkt")
        return self


class SourceHints(Strict):
    layers: NameList = Field(default_factory=list)  # layer names or patterns (fnmatch)
    exclude_layers: NameList = Field(default_factory=list)
    crs: str | None = None  # used when the file has none
    encoding: str | None = None  # text encoding of DBF/CSV files, when the file is wrong
    geometry: GeometryColumns | None = None


class Key(Strict):
    """The source key that recognises a feature again in the next import."""

    fields: NameList = Field(default_factory=list)
    with_layer: bool = False  # prefix the layer name (one layer per class, e.g. shapefiles)
    geometry: bool = False  # add a hash of the original geometry (sources without ids)

    @model_validator(mode="after")
    def _something(self) -> Key:
        if not self.fields and not self.geometry:
            raise ValueError("indique fields, geometry: true, ou ambos")
        return self


class Profile(Strict):
    theme: str
    description: str | None = None
    fonte: str | None = Field(default=None, max_length=200)
    source: SourceHints = SourceHints()
    key: Key | None = None
    fields: dict[str, Rule] = Field(default_factory=dict)


@dataclass(frozen=True)
class LoadedProfile:
    """A checked profile and where it came from."""

    profile: Profile
    path: str | None
    sha256: str | None


# pt-PT for the schema errors a person editing a profile meets most.
MESSAGES = {
    "extra_forbidden": "campo desconhecido",
    "missing": "campo obrigatório em falta",
    "string_type": "deve ser texto",
    "bool_type": "deve ser true ou false",
    "float_type": "deve ser um número",
    "float_parsing": "deve ser um número",
    "dict_type": "deve ser um dicionário",
    "list_type": "deve ser uma lista",
    "model_type": "deve ser um dicionário",
    "string_too_long": "texto demasiado longo",
}


def _message(error) -> str:
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return MESSAGES.get(error["type"], error["msg"])


def _where(name: str, loc) -> str:
    dotted = ".".join(str(p) for p in loc if p not in ("function-after",))
    return f"{name}: {dotted}" if dotted else name


def parse(text: str, name: str) -> Profile:
    """Stages 1 and 2: YAML syntax and types."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" linha {mark.line + 1}" if mark else ""
        raise ImportRefused(f"perfil {name}:{line} YAML inválido: {exc}") from exc
    if not isinstance(data, dict):
        raise ImportRefused(f"perfil {name}: esperava um dicionário no topo do ficheiro")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(name, e['loc'])}: {_message(e)}" for e in exc.errors()]
        raise ImportRefused("perfil inválido:\n" + "\n".join(problems)) from exc


def _check_code(value, theme: Theme, attr: str, registry: Registry, where: str) -> list[str]:
    codes = registry.code_values(theme.id, attr)
    if value is None or str(value) in codes:
        return []
    codelist = theme.attribute(attr).codelist
    return [f"{where}: '{value}' não é um código da lista {codelist} do tema {theme.id}"]


def _check_rule(name: str, attr: str, rule: Rule, theme: Theme, registry: Registry) -> list[str]:
    where = f"{name}: fields.{attr}"
    try:
        attribute = theme.attribute(attr)
    except KeyError:
        known = ", ".join(a.name for a in theme.attributes)
        return [f"{where}: o tema {theme.id} não tem o atributo '{attr}' (tem: {known})"]
    problems: list[str] = []
    if attribute.type is AttributeType.CODE:
        problems += _check_code(rule.value, theme, attr, registry, f"{where}.value")
        problems += _check_code(rule.default, theme, attr, registry, f"{where}.default")
        for key, target in (rule.map or {}).items():
            problems += _check_code(target, theme, attr, registry, f"{where}.map.{key}")
    if rule.date_format and attribute.type not in (AttributeType.DATE, AttributeType.DATETIME):
        problems.append(f"{where}.date_format: '{attr}' não é uma data")
    if rule.multiply is not None and attribute.type not in (AttributeType.INTEGER,
                                                            AttributeType.DECIMAL):
        problems.append(f"{where}.multiply: '{attr}' não é numérico")
    if rule.extract:
        try:
            re.compile(rule.extract)
        except re.error as exc:
            problems.append(f"{where}.extract: expressão regular inválida: {exc}")
    if rule.template:
        try:
            list(string.Formatter().parse(rule.template))
        except ValueError as exc:
            problems.append(f"{where}.template: modelo inválido: {exc}")
    return problems


def _check_source(name: str, hints: SourceHints) -> list[str]:
    from sig.importing.crs import parse_crs

    problems = []
    if hints.crs:
        try:
            parse_crs(hints.crs)
        except ImportRefused as exc:
            problems.append(f"{name}: source.crs: {exc}")
    if hints.encoding:
        try:
            codecs.lookup(hints.encoding)
        except LookupError:
            problems.append(f"{name}: source.encoding: codificação desconhecida "
                            f"'{hints.encoding}'")
    return problems


def check(profile: Profile, name: str, theme: Theme, registry: Registry) -> None:
    """Stage 3: references to the theme, its attributes and code lists."""
    problems: list[str] = []
    if profile.theme != theme.id:
        problems.append(f"{name}: theme: o perfil é do tema '{profile.theme}', "
                        f"não de '{theme.id}'")
    for attr, rule in profile.fields.items():
        problems += _check_rule(name, attr, rule, theme, registry)
    problems += _check_source(name, profile.source)
    if problems:
        raise ImportRefused("perfil inválido:\n" + "\n".join(problems))


def load(path: str | Path, theme: Theme, registry: Registry) -> LoadedProfile:
    """Read and check a profile file."""
    file = Path(path)
    if not file.is_file():
        raise ImportRefused(f"perfil não encontrado: {path}")
    data = file.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"perfil {file.name}: não está em UTF-8") from exc
    profile = parse(text, file.name)
    check(profile, file.name, theme, registry)
    return LoadedProfile(profile, str(file), hashlib.sha256(data).hexdigest())


def default_path(folder: Path, municipios: tuple[str, ...], theme_id: str) -> Path | None:
    """`<folder>/<DICO>/<theme>.yml` when one municipality is declared and it exists."""
    if len(municipios) != 1:
        return None
    path = folder / municipios[0] / f"{theme_id}.yml"
    return path if path.is_file() else None


def resolve(explicit: str | Path | None, folder: Path, municipios: tuple[str, ...],
            theme: Theme, registry: Registry) -> LoadedProfile:
    """The profile to use: explicit, the municipality's default, or none (names only)."""
    path = explicit or default_path(folder, municipios, theme.id)
    if path:
        return load(path, theme, registry)
    return LoadedProfile(Profile(theme=theme.id), None, None)
