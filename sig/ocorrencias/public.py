"""What anyone may read about occurrences: the public projections (`ocorrencia_publica`,
`ocorrencia_historico_publico`), which hold no personal data, no internal notes and no
assignee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

STATES = ("nova", "em_analise", "em_resolucao", "resolvida", "rejeitada", "duplicada")
OPEN_STATES = ("nova", "em_analise", "em_resolucao")
STATE_LABELS = {
    "nova": {"pt": "Nova", "en": "New"},
    "em_analise": {"pt": "Em análise", "en": "Under review"},
    "em_resolucao": {"pt": "Em resolução", "en": "Being resolved"},
    "resolvida": {"pt": "Resolvida", "en": "Resolved"},
    "rejeitada": {"pt": "Rejeitada", "en": "Rejected"},
    "duplicada": {"pt": "Duplicada", "en": "Duplicate"},
}
# Map colours of the states: the web map's layer and the WMS/WMTS layer `ocorrencias`.
STATE_COLOURS = {"nova": "#d7301f", "em_analise": "#fc8d59", "em_resolucao": "#2b8cbe",
                 "resolvida": "#1a9850", "rejeitada": "#777777", "duplicada": "#999999"}
CODE_PATTERN = r"LV-[0-9A-Z]{4}-[0-9A-Z]{4}"

# Every public column, with the point in WGS84 (lon/lat).
COLUMNS = ("p.id, p.codigo, p.token, p.categoria, p.municipio, m.nome, p.freguesia, f.nome, "
           "ST_X(ST_Transform(p.geom, 4326)), ST_Y(ST_Transform(p.geom, 4326)), p.descricao, "
           "p.morada, p.estado, p.servico, p.atributos, p.duplicada_de, p.prazo, p.criada_em, "
           "p.atualizada_em, p.fechada_em, p.resposta, p.atrasada")
FROM = ("FROM public.ocorrencia_publica p JOIN public.municipio m ON m.dico = p.municipio "
        "LEFT JOIN public.freguesia f ON f.dicofre = p.freguesia")
FIELDS = ("id", "codigo", "token", "categoria", "municipio", "municipio_nome", "freguesia",
          "freguesia_nome", "lon", "lat", "descricao", "morada", "estado", "servico",
          "atributos", "duplicada_de", "prazo", "criada_em", "atualizada_em", "fechada_em",
          "resposta", "atrasada")


@dataclass(frozen=True)
class PublicOccurrence:
    """One occurrence as the public sees it."""

    id: int
    codigo: str
    token: str
    categoria: str
    municipio: str
    municipio_nome: str
    freguesia: str | None
    freguesia_nome: str | None
    lon: float
    lat: float
    descricao: str
    morada: str | None
    estado: str
    servico: str | None
    atributos: dict[str, Any]
    duplicada_de: str | None
    prazo: datetime | None
    criada_em: datetime
    atualizada_em: datetime
    fechada_em: datetime | None
    resposta: str | None
    atrasada: bool

    @property
    def aberta(self) -> bool:
        return self.estado in OPEN_STATES


def _rows(where: str, params: list, order: str = "p.id", limit: int = 1000) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} {FROM} WHERE {where} ORDER BY {order} LIMIT %s",
                       [*params, limit])
        return [PublicOccurrence(**dict(zip(FIELDS, row, strict=True)))
                for row in cursor.fetchall()]


def by_code(codigo: str) -> PublicOccurrence | None:
    found = _rows("p.codigo = %s", [codigo.upper()], limit=1)
    return found[0] if found else None


def by_token(token: str) -> PublicOccurrence | None:
    found = _rows("p.token = %s", [token], limit=1)
    return found[0] if found else None


def search(where: list[str], params: list, limit: int) -> list[PublicOccurrence]:
    """Occurrences matching every condition (SQL over `p`), newest first."""
    return _rows(" AND ".join(where) or "true", params, "p.criada_em DESC, p.id DESC", limit)


def history(occurrence_id: int) -> list[dict[str, Any]]:
    """The public history: state changes and public replies, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tipo, estado, texto, em FROM public.ocorrencia_historico_publico "
                       "WHERE ocorrencia = %s ORDER BY id", [occurrence_id])
        return [{"tipo": t, "estado": e, "texto": x, "em": em} for t, e, x, em in cursor]


def duplicates_of(occurrence_id: int) -> list[str]:
    """Codes of the occurrences merged into this one (they keep working)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT d.codigo FROM public.ocorrencia_publica d JOIN "
                       "public.ocorrencia_publica o ON o.codigo = d.duplicada_de "
                       "WHERE o.id = %s ORDER BY d.codigo", [occurrence_id])
        return [row[0] for row in cursor]
