"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the documents with the spec's
field names, built from the categories and the public projection; JSON and XML. No personal
data ever leaves through here: requests are read from `ocorrencia_publica`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from sig.ocorrencias.categories import Category, get_categories
from sig.ocorrencias.errors import OcorrenciaError
from sig.ocorrencias.public import OPEN_STATES, PublicOccurrence

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00Z"
LISBON = ZoneInfo("Europe/Lisbon")
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
# XML element of each item of a list member.
XML_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
             "values": "value"}
# Fields of a POST that are the reporter's personal data.
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone")


def timestamp(value: datetime | None) -> str | None:
    """W3C date-time with offset, as the spec's examples (2010-04-14T06:37:38-08:00)."""
    return value.astimezone(LISBON).isoformat(timespec="seconds") if value else None


def discovery(base_url: str, contact: str) -> dict[str, Any]:
    return {"changeset": CHANGESET, "contact": contact,
            "key_service": f"Peça uma api_key a {contact}",
            "endpoints": [{"specification": SPECIFICATION, "url": f"{base_url}/open311/v2",
                           "changeset": CHANGESET, "type": "production",
                           "formats": ["text/xml", "application/json"]}]}


def service(category: Category, language: str = "pt") -> dict[str, Any]:
    return {"service_code": category.code, "service_name": getattr(category.title, language),
            "description": getattr(category.description, language),
            "metadata": bool(category.attributes), "type": "realtime",
            "keywords": category.theme or "", "group": ""}


def services(language: str = "pt") -> list[dict[str, Any]]:
    return [service(c, language) for c in get_categories()]


def known_category(code: str) -> Category:
    category = get_categories().get(code)
    if category is None:
        raise OcorrenciaError(f"service_code desconhecido: {code[:40]}", status=404,
                              code="NotFound")
    return category


def definition(code: str, language: str = "pt") -> dict[str, Any]:
    category = known_category(code)
    attributes = [{"variable": True, "code": a.code, "datatype": a.datatype,
                   "required": a.required, "datatype_description": "", "order": order,
                   "description": getattr(a.description, language),
                   "values": [{"key": v.key, "name": getattr(v.name, language)}
                              for v in a.values]}
                  for order, a in enumerate(category.attributes, start=1)]
    return {"service_code": category.code, "attributes": attributes}


def report_fields(params: Mapping[str, str]) -> dict[str, Any]:
    """An Open311 POST as the fields of `reports.parse_report`."""
    name = " ".join(p for p in (params.get("first_name"), params.get("last_name")) if p)
    attributes = {key[len("attribute["):-1]: value for key, value in params.items()
                  if key.startswith("attribute[") and key.endswith("]")}
    return {"categoria": params.get("service_code"), "lat": params.get("lat"),
            "lon": params.get("long"), "descricao": params.get("description"),
            "morada": params.get("address_string"), "nome": name or None,
            "email": params.get("email"), "telefone": params.get("phone"),
            "idioma": params.get("locale") or "pt", "atributos": attributes}


def request_document(o: PublicOccurrence, language: str = "pt") -> dict[str, Any]:
    """One service request with the spec's fields (public data only)."""
    category = get_categories().get(o.categoria)
    notes = o.resposta or (f"Duplicada de {o.duplicada_de}" if o.duplicada_de else None)
    return {"service_request_id": o.codigo, "status": "open" if o.aberta else "closed",
            "status_notes": notes,
            "service_name": getattr(category.title, language) if category else o.categoria,
            "service_code": o.categoria, "description": o.descricao,
            "agency_responsible": f"{o.servico}, Município de {o.municipio_nome}"
            if o.servico else f"Município de {o.municipio_nome}",
            "service_notice": None, "requested_datetime": timestamp(o.criada_em),
            "updated_datetime": timestamp(o.atualizada_em),
            "expected_datetime": timestamp(o.prazo) if o.aberta else None,
            "address": o.morada, "address_id": None, "zipcode": None,
            "lat": round(o.lat, 6), "long": round(o.lon, 6), "media_url": None}


def _date(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError as exc:
        raise OcorrenciaError(f"{name} inválida: use a data W3C, p. ex. "
                              "2026-01-31T00:00:00Z") from exc
    return value if value.tzinfo else value.replace(tzinfo=LISBON)


def _statuses(raw: str | None) -> list[str]:
    wanted = [s.strip() for s in (raw or "").split(",") if s.strip()]
    if set(wanted) - {"open", "closed"}:
        raise OcorrenciaError("status inválido: use open, closed ou open,closed")
    return wanted


def request_filters(params: Mapping[str, str]) -> tuple[list[str], list[Any]]:
    """SQL conditions (over `p`, the public projection) for GET requests' parameters."""
    ids = [i.strip().upper() for i in (params.get("service_request_id") or "").split(",")
           if i.strip()]
    if ids:  # the spec: other parameters are then ignored
        return ["p.codigo = ANY(%s)"], [ids]
    where, values = [], []
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        where.append("p.categoria = ANY(%s)")
        values.append(codes)
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if start is None and end is None:
        where.append(f"p.criada_em > now() - interval '{DEFAULT_DAYS} days'")
    for bound, operator in ((start, ">="), (end, "<=")):
        if bound is not None:
            where.append(f"p.criada_em {operator} %s")
            values.append(bound)
    statuses = _statuses(params.get("status"))
    if len(statuses) == 1:
        where.append(("" if statuses[0] == "open" else "NOT ") + "p.estado = ANY(%s)")
        values.append(list(OPEN_STATES))
    return where, values


def error_document(status: int, message: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": message}]


# --- XML ---------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _append(element, XML_ITEMS.get(name, "item"), item)
    elif isinstance(value, dict):
        for key, member in value.items():
            _append(element, key, member)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, document: Any) -> bytes:
    """The XML form of a document: a list becomes `item` elements under `root`."""
    top = ET.Element(root)
    members = document if isinstance(document, list) else [document]
    for member in members:
        target = ET.SubElement(top, item) if item else top
        for key, value in member.items():
            _append(target, key, value)
    return (b'<?xml version="1.0" encoding="utf-8"?>\n'
            + ET.tostring(top, encoding="unicode").encode())
