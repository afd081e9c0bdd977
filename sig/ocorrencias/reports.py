"""A resident's report: checking the input, routing it to its municipality and storing it.

Plain functions with no request: the report page, its JSON endpoint and Open311's POST all
call `parse_report` then `create`. The database routes the point again and refuses anything
outside the served municipalities (`acl.ocorrencia_criar`, `acl.ocorrencia_municipio`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction

from sig.editing.errors import FieldProblem
from sig.ocorrencias.categories import Category, CategoryAttribute, get_categories
from sig.ocorrencias.errors import OcorrenciaError, from_database
from sig.ocorrencias.photos import Photo
from sig.registry import get_registry

MAX_DESCRIPTION = 2000
MAX_ADDRESS = 200
MAX_NAME = 150
MAX_ATTRIBUTE = 200
PHONE = re.compile(r"^\+?[0-9][0-9 ]{7,18}[0-9]$")
APPLICATION = "sig-ocorrencias"


@dataclass(frozen=True)
class Contact:
    """The reporter's personal data (all optional)."""

    nome: str | None = None
    email: str | None = None
    telefone: str | None = None
    idioma: str = "pt"

    def as_json(self) -> dict[str, str | None]:
        return {"nome": self.nome, "email": self.email, "telefone": self.telefone,
                "idioma": self.idioma}


@dataclass(frozen=True)
class NewReport:
    """A checked report, not yet stored."""

    categoria: Category
    lon: float
    lat: float
    descricao: str
    morada: str | None = None
    contacto: Contact = field(default_factory=Contact)
    atributos: dict[str, Any] = field(default_factory=dict)
    origem: str = "web"


@dataclass(frozen=True)
class Created:
    id: int
    codigo: str
    token: str
    municipio: str


def _text(data: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    if len(text) > limit:
        raise ValueError(f"texto demasiado longo (máximo {limit} caracteres)")
    return text or None


def _coordinate(data: Mapping[str, Any], name: str, bound: float) -> float:
    raw = data.get(name)
    if raw is None or str(raw).strip() == "":
        raise ValueError("coordenada em falta")
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError("coordenada não numérica") from exc
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise ValueError(f"coordenada fora do intervalo [-{bound:g}, {bound:g}]")
    return value


def _category(data: Mapping[str, Any]) -> Category:
    code = str(data.get("categoria") or "").strip()
    if not code:
        raise ValueError("escolha uma categoria")
    category = get_categories().get(code)
    if category is None:
        raise ValueError(f"categoria desconhecida: {code[:40]}")
    return category


def _email(data: Mapping[str, Any]) -> str | None:
    email = _text(data, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValueError("endereço de correio eletrónico inválido") from exc
    return email


def _phone(data: Mapping[str, Any]) -> str | None:
    phone = _text(data, "telefone", 30)
    if phone and not PHONE.match(phone):
        raise ValueError("número de telefone inválido")
    return phone


def _contact(data: Mapping[str, Any]) -> Contact:
    idioma = "en" if str(data.get("idioma") or "").lower().startswith("en") else "pt"
    return Contact(_text(data, "nome", MAX_NAME), _email(data), _phone(data), idioma)


def _description(data: Mapping[str, Any]) -> str:
    text = _text(data, "descricao", MAX_DESCRIPTION)
    if not text:
        raise ValueError("descreva a ocorrência")
    return text


PARSERS = {
    "categoria": _category,
    "lat": lambda d: _coordinate(d, "lat", 90),
    "lon": lambda d: _coordinate(d, "lon", 180),
    "descricao": _description,
    "morada": lambda d: _text(d, "morada", MAX_ADDRESS),
    "contacto": _contact,
}
# The input field a problem of each part is reported against.
FIELD_OF = {"contacto": "email"}


def _attribute(attribute: CategoryAttribute, raw: Any) -> Any:
    if attribute.datatype == "number":
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError("número inválido")
        return value
    text = str(raw).strip()[:MAX_ATTRIBUTE]
    if attribute.datatype == "singlevaluelist" and text not in {v.key for v in attribute.values}:
        raise ValueError(f"valor fora da lista: {text[:40]}")
    return text


def _attributes(category: Category, raw: Any) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The category's extra answers (unknown ones are ignored, as Open311 clients send any)."""
    given = raw if isinstance(raw, Mapping) else {}
    values, problems = {}, []
    for attribute in category.attributes:
        answer = given.get(attribute.code)
        if answer is None or str(answer).strip() == "":
            if attribute.required:
                problems.append(FieldProblem(f"atributos.{attribute.code}", "resposta em falta"))
            continue
        try:
            values[attribute.code] = _attribute(attribute, answer)
        except (TypeError, ValueError) as exc:
            problems.append(FieldProblem(f"atributos.{attribute.code}", str(exc)))
    return values, problems


def parse_report(data: Mapping[str, Any], origem: str = "web") -> NewReport:
    """Check every field; raise one OcorrenciaError listing each problem (pt-PT)."""
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for name, parse in PARSERS.items():
        try:
            values[name] = parse(data)
        except ValueError as exc:
            problems.append(FieldProblem(FIELD_OF.get(name, name), str(exc)))
    if "categoria" in values:
        values["atributos"], more = _attributes(values["categoria"], data.get("atributos"))
        problems += more
    if problems:
        summary = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise OcorrenciaError(f"a ocorrência não foi registada: {summary}", status=400,
                              problems=problems)
    return NewReport(origem=origem, **values)


POINT_SQL = "ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 3763)"
ROUTE_SQL = f"SELECT acl.ocorrencia_municipio({POINT_SQL})"
NEAREST_SQL = ("SELECT t.id, ST_Distance(t.geom, p.g) FROM public.{table} t, "
               f"(SELECT {POINT_SQL} AS g) p WHERE ST_DWithin(t.geom, p.g, %s) "
               "ORDER BY t.geom <-> p.g LIMIT 1")
CREATE_SQL = ("SELECT * FROM acl.ocorrencia_criar(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
              "%s::jsonb, %s, %s::jsonb, %s::bytea[], %s::integer[])")


def nearest_feature(category: Category, lon: float, lat: float) -> tuple[str, int, float] | None:
    """The nearest feature of the category's theme within its distance, if any."""
    if category.theme is None:
        return None
    table = connection.ops.quote_name(get_registry()[category.theme].table)
    with connection.cursor() as cursor:
        cursor.execute(NEAREST_SQL.format(table=table),
                       [lon, lat, category.theme_distance_m])
        row = cursor.fetchone()
    return (category.theme, int(row[0]), round(float(row[1]), 1)) if row else None


def _route(cursor, report: NewReport) -> str:
    cursor.execute(ROUTE_SQL, [report.lon, report.lat])
    return cursor.fetchone()[0]


def _store(cursor, report: NewReport, dico: str, photos: list[Photo]) -> tuple:
    linked = nearest_feature(report.categoria, report.lon, report.lat) or (None, None, None)
    sizes = [n for p in photos for n in (p.width, p.height)]
    cursor.execute(CREATE_SQL, [
        report.categoria.code, report.lon, report.lat, report.descricao, report.morada,
        report.categoria.service_for(dico), report.categoria.target_hours, *linked,
        json.dumps(report.atributos), report.origem, json.dumps(report.contacto.as_json()),
        [p.content for p in photos], sizes])
    return cursor.fetchone()


def create(report: NewReport, photos: list[Photo] = ()) -> Created:
    """Store a checked report (as sig_app, through `acl.ocorrencia_criar`)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', %s, true)", [APPLICATION])
            dico = _route(cursor, report)
            pk, codigo, token = _store(cursor, report, dico, list(photos))
    except DatabaseError as exc:
        known = from_database(exc)
        if known is None:
            raise
        raise OcorrenciaError(known.message, status=known.status, code=known.code,
                              sqlstate=known.sqlstate) from exc
    return Created(pk, codigo, token, dico)
