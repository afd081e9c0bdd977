"""Incoming attribute values checked against the registry: known names, types, code lists,
required values, lengths and ranges. Text is kept as given (escaped when shown, never parsed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from sig.editing.errors import EditingError, FieldProblem
from sig.registry import Attribute, AttributeType, Registry, Theme, get_registry

# System columns a client may send back unchanged (e.g. QGIS); they are ignored on input.
IGNORED = frozenset({"id", "row_version", "created_at", "created_by", "updated_at", "updated_by",
                     "import_run", "freguesia", "fonte", "fonte_id", "editavel"})
# Handled apart: the municipality is checked against the person's rights, never trusted as is.
MUNICIPIO = "municipio"


class Invalid(Exception):
    """One value problem; `malformed` ones (wrong type, unknown name) are a 400, others a 422."""

    def __init__(self, message: str, malformed: bool = False):
        super().__init__(message)
        self.malformed = malformed


def _text(attribute: Attribute, value: Any) -> str | None:
    if not isinstance(value, str):
        raise Invalid(gettext("tem de ser texto"), malformed=True)
    if "\x00" in value:
        raise Invalid(gettext("contém o carácter nulo (U+0000)"), malformed=True)
    if attribute.max_length and len(value) > attribute.max_length:
        raise Invalid(gettext("texto demasiado longo (%(length)s caracteres, máximo %(max)s)")
                      % {"length": len(value), "max": attribute.max_length})
    return value if value != "" else None


def _number(attribute: Attribute, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(gettext("tem de ser um número"), malformed=True)
    if attribute.type is AttributeType.INTEGER:
        if isinstance(value, float) and not value.is_integer():
            raise Invalid(gettext("tem de ser um número inteiro"), malformed=True)
        value = int(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise Invalid(gettext("tem de ser um número finito"), malformed=True)
    if attribute.min is not None and value < attribute.min:
        raise Invalid(gettext("valor %(value)s abaixo do mínimo %(min)s")
                      % {"value": value, "min": f"{attribute.min:g}"})
    if attribute.max is not None and value > attribute.max:
        raise Invalid(gettext("valor %(value)s acima do máximo %(max)s")
                      % {"value": value, "max": f"{attribute.max:g}"})
    return value


def _boolean(attribute: Attribute, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(gettext("tem de ser verdadeiro ou falso (true/false)"), malformed=True)
    return value


def _date(attribute: Attribute, value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(gettext("tem de ser uma data AAAA-MM-DD"), malformed=True) from exc


def _datetime(attribute: Attribute, value: Any) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(gettext("tem de ser uma data e hora ISO 8601"), malformed=True) from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _code(attribute: Attribute, value: Any, codes: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise Invalid(gettext("tem de ser um código (texto)"), malformed=True)
    if value not in codes:
        shown = ", ".join(codes[:12]) + (", …" if len(codes) > 12 else "")
        raise Invalid(gettext("código desconhecido '%(value)s' (valores aceites: %(codes)s)")
                      % {"value": value, "codes": shown})
    return value


CONVERTERS = {
    AttributeType.TEXT: _text, AttributeType.INTEGER: _number, AttributeType.DECIMAL: _number,
    AttributeType.BOOLEAN: _boolean, AttributeType.DATE: _date,
    AttributeType.DATETIME: _datetime,
}


def convert(theme: Theme, attribute: Attribute, value: Any, registry: Registry) -> Any:
    """The stored value of one attribute, or Invalid."""
    converted: Any
    if value is None or (value == "" and attribute.type is not AttributeType.TEXT):
        converted = None
    elif attribute.type is AttributeType.CODE:
        converted = _code(attribute, value, registry.code_values(theme.id, attribute.name))
    else:
        converted = CONVERTERS[attribute.type](attribute, value)
    if converted is None and attribute.required:
        raise Invalid(gettext("valor obrigatório em falta"))
    return converted


def clean_properties(theme: Theme, properties: Any, *, partial: bool,
                     registry: Registry | None = None) -> dict[str, Any]:
    """Stored values for the theme's attributes from a GeoJSON `properties` object.

    `partial` (PATCH): only the given attributes; otherwise absent optional ones become null.
    Raises EditingError listing every problem.
    """
    registry = registry or get_registry()
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise EditingError(gettext("properties tem de ser um objeto JSON"))
    names = {a.name for a in theme.attributes}
    unknown = gettext("atributo desconhecido no tema %(theme)s") % {"theme": theme.id}
    problems: list[tuple[FieldProblem, bool]] = [
        (FieldProblem(key, unknown), True)
        for key in properties if key not in names | IGNORED | {MUNICIPIO}]
    cleaned: dict[str, Any] = {}
    for attribute in theme.attributes:
        if attribute.name not in properties and partial:
            continue
        try:
            cleaned[attribute.name] = convert(theme, attribute, properties.get(attribute.name),
                                              registry)
        except Invalid as exc:
            problems.append((FieldProblem(attribute.name, str(exc)), exc.malformed))
    if problems:
        _raise(problems)
    return cleaned


def _raise(problems: list[tuple[FieldProblem, bool]]) -> None:
    malformed = any(flag for _, flag in problems)
    summary = "; ".join(f"{p.field}: {p.message}" for p, _ in problems)
    raise EditingError(gettext("atributos inválidos — %(problems)s") % {"problems": summary},
                       status=400 if malformed else 422,
                       code="InvalidParameterValue" if malformed else "InvalidAttributeValue",
                       problems=[p for p, _ in problems])


def requested_municipio(properties: Any) -> str | None:
    """The municipality a client asks for (checked later against the person's rights)."""
    if not isinstance(properties, dict) or properties.get(MUNICIPIO) in (None, ""):
        return None
    value = properties[MUNICIPIO]
    if not isinstance(value, str) or len(value) != 4 or not value.isdigit():
        raise EditingError(gettext("município inválido: %(value)s (código DICO de 4 algarismos)")
                           % {"value": repr(value)},
                           problems=[FieldProblem(MUNICIPIO,
                                                  gettext("código DICO de 4 algarismos"))])
    return value
