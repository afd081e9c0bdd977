"""The web map's small JSON services, in SQL as sig_reader: identify and search.

Values are returned as data; the browser inserts them as text (never as HTML).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sig.conf import get_settings
from sig.opendata.downloads import reader_connection
from sig.registry import AttributeType, Theme, get_registry

MAX_TOLERANCE_M = 500.0
PER_LAYER = 5
SEARCH_LIMIT = 8
ACCENTS = ("áàâãäéèêëíìîïóòôõöúùûüçÁÀÂÃÄÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇ",
           "aaaaaeeeeiiiiooooouuuucaaaaaeeeeiiiiooooouuuuc")


@dataclass(frozen=True)
class IdentifyQuery:
    x: float  # EPSG:3857
    y: float
    tolerance: float  # ground metres
    layers: tuple[str, ...]


def parse_identify(params: Mapping[str, str]) -> IdentifyQuery:
    """Check the identify parameters (messages in pt-PT)."""
    try:
        x, y = float(params["x"]), float(params["y"])
        tolerance = float(params.get("tol", "10"))
    except (KeyError, ValueError) as exc:
        raise ValueError("indique x e y (EPSG:3857) e tol (metros) numéricos") from exc
    if not (0 < tolerance <= MAX_TOLERANCE_M):
        raise ValueError(f"tol deve estar entre 0 e {MAX_TOLERANCE_M:g} metros")
    registry = get_registry()
    layers = tuple(name for name in params.get("camadas", "").split(",") if name)
    unknown = [name for name in layers if name not in registry]
    if unknown:
        raise ValueError(f"camadas desconhecidas: {', '.join(unknown)}")
    return IdentifyQuery(x, y, tolerance, layers or tuple(t.id for t in registry))


def _format(theme: Theme, name: str, value: Any, lang: str) -> str | None:
    if value is None:
        return None
    attribute = next((a for a in theme.attributes if a.name == name), None)
    if attribute is None:
        return str(value)
    if attribute.type is AttributeType.CODE and attribute.codelist:
        labels = {v.code: v.label for v in get_registry().codelist(theme.id, attribute.codelist)}
        label = labels.get(str(value))
        return f"{getattr(label, lang)} ({value})" if label else str(value)
    if attribute.type is AttributeType.BOOLEAN:
        return {"pt": ("sim", "não"), "en": ("yes", "no")}[lang][0 if value else 1]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return f"{value:g} {attribute.unit}" if attribute.unit and isinstance(value, float | int) \
        else str(value)


def _feature(theme: Theme, row: tuple, lang: str) -> dict[str, Any]:
    fid, municipio, nome_municipio, freguesia, nome_freguesia, *values = row
    attributes = [{"nome": getattr(a.title, lang), "valor": _format(theme, a.name, v, lang)}
                  for a, v in zip(theme.attributes, values, strict=True)]
    head = [{"nome": "Município" if lang == "pt" else "Municipality",
             "valor": f"{nome_municipio} ({municipio})"},
            {"nome": "Freguesia" if lang == "pt" else "Parish",
             "valor": f"{nome_freguesia} ({freguesia})" if freguesia else None}]
    return {"camada": theme.id, "titulo": getattr(theme.title, lang), "id": fid,
            "atributos": head + attributes}


def _identify_sql(theme: Theme) -> str:
    names = ", ".join(f't."{a.name}"' for a in theme.attributes)
    point = "ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 3857), 3763)"
    return (f"SELECT t.id, t.municipio, m.nome, t.freguesia, f.nome, {names} "
            f'FROM public."{theme.table}" t JOIN municipio m ON m.dico = t.municipio '
            "LEFT JOIN freguesia f ON f.dicofre = t.freguesia "
            f"WHERE ST_DWithin(t.geom, {point}, %(tol)s) "
            f"ORDER BY ST_Distance(t.geom, {point}), t.id LIMIT {PER_LAYER}")


def identify(query: IdentifyQuery, lang: str = "pt") -> dict[str, Any]:
    """Features of each asked layer within the tolerance of the point, nearest first."""
    registry = get_registry()
    params = {"x": query.x, "y": query.y, "tol": query.tolerance}
    found = []
    with reader_connection() as conn:
        for name in query.layers:
            theme = registry[name]
            for row in conn.execute(_identify_sql(theme), params):
                found.append(_feature(theme, row, lang))
    return {"resultados": found}


# Search -------------------------------------------------------------------------------------

def fold_sql(expression: str) -> str:
    """SQL that lower-cases and strips Portuguese accents."""
    return f"translate(lower({expression}), '{ACCENTS[0].lower()}', '{ACCENTS[1]}')"


def fold(text: str) -> str:
    return text.lower().translate(str.maketrans(ACCENTS[0].lower(), ACCENTS[1]))


def split_address(text: str) -> tuple[str, str] | None:
    """«Rua da Liberdade 12», «Rua da Liberdade, 12» or «Rua da Liberdade n.º 12A»."""
    match = re.match(r"^(.*?)[\s,]+(?:n\.?º?\s*)?(\d+[A-Za-z]?)$", text.strip())
    if not match or len(match.group(1)) < 3:
        return None
    return match.group(1).strip(" ,"), match.group(2)


def parse_address(text: str) -> tuple[str, str, str | None] | None:
    """Street, number and an optional place after a last comma («…, 12, Pombal»)."""
    head, _, tail = text.rpartition(",")
    if head and tail.strip() and not re.search(r"\d", tail):
        parts = split_address(head)
        return (*parts, tail.strip()) if parts else None
    parts = split_address(text)
    return (*parts, None) if parts else None


BBOX_SQL = ("ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT *, "
            "ST_Transform(ST_Envelope(geom), 4326) e FROM {table}) s")


def _areas(conn, text: str) -> list[dict[str, Any]]:
    served = list(get_settings().municipios)
    like = f"%{fold(text)}%"
    municipios = conn.execute(
        f"SELECT dico, nome, {BBOX_SQL.format(table='municipio')} "
        f"WHERE dico = ANY(%s) AND {fold_sql('nome')} LIKE %s ORDER BY nome LIMIT %s",
        (served, like, SEARCH_LIMIT)).fetchall()
    freguesias = conn.execute(
        f"SELECT dicofre, s.nome, {BBOX_SQL.format(table='freguesia')} "
        f"WHERE municipio = ANY(%s) AND {fold_sql('s.nome')} LIKE %s ORDER BY s.nome LIMIT %s",
        (served, like, SEARCH_LIMIT)).fetchall()
    return ([{"tipo": "municipio", "codigo": c, "nome": n, "bbox": list(b)}
             for c, n, *b in municipios]
            + [{"tipo": "freguesia", "codigo": c, "nome": n, "bbox": list(b)}
               for c, n, *b in freguesias])


def _points(conn, sql: str, params: tuple, kind: str) -> list[dict[str, Any]]:
    return [{"tipo": kind, "camada": layer, "id": fid, "nome": name, "detalhe": municipio,
             "ponto": [round(lon, 7), round(lat, 7)]}
            for layer, fid, name, municipio, lon, lat in conn.execute(sql, params)]


def _facilities(conn, text: str) -> list[dict[str, Any]]:
    if "equipamentos" not in get_registry():
        return []
    sql = ("SELECT 'equipamentos', t.id, t.nome, m.nome, ST_X(p), ST_Y(p) FROM "
           "(SELECT *, ST_Transform(geom, 4326) p FROM public.equipamentos "
           f"WHERE {fold_sql('nome')} LIKE %s ORDER BY nome, id LIMIT %s) t "
           "JOIN municipio m ON m.dico = t.municipio")
    return _points(conn, sql, (f"%{fold(text)}%", SEARCH_LIMIT), "equipamento")


def _addresses(conn, text: str) -> list[dict[str, Any]]:
    parts = parse_address(text)
    if not parts or "moradas" not in get_registry():
        return []
    street, number, place = parts
    where = f"{fold_sql('arruamento')} LIKE %s AND upper(numero) = upper(%s)"
    params: list[Any] = [f"%{fold(street)}%", number]
    if place:
        where += (f" AND ({fold_sql('localidade')} LIKE %s OR municipio IN (SELECT dico FROM "
                  f"municipio WHERE {fold_sql('nome')} LIKE %s))")
        params += [f"%{fold(place)}%"] * 2
    sql = ("SELECT 'moradas', t.id, t.arruamento || ', ' || t.numero, m.nome, ST_X(p), ST_Y(p) "
           "FROM (SELECT *, ST_Transform(geom, 4326) p FROM public.moradas "
           f"WHERE {where} ORDER BY municipio, id LIMIT %s) t "
           "JOIN municipio m ON m.dico = t.municipio")
    return _points(conn, sql, (*params, SEARCH_LIMIT), "morada")


def search(text: str) -> list[dict[str, Any]]:
    """Places matching `text`: areas first, then addresses, then facilities."""
    with reader_connection() as conn:
        return _areas(conn, text) + _addresses(conn, text) + _facilities(conn, text)
