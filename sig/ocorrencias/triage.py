"""Triage by municipal staff: list, read, change state, assign, merge duplicates, reply in
public and write internal notes. Plain functions over an Actor.

Every call runs in `acting_as(actor)`: the database's row-level security shows and changes only
the occurrences of the actor's municipalities, its guard trigger allows only the triage
columns and the allowed state steps, its row version refuses stale changes, and its audit log
records each change. Reporters get an e-mail after a public change is committed.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext

from sig.editing.accounts import Actor
from sig.editing.acting import acting_as
from sig.editing.errors import EditingError, NotFound
from sig.ocorrencias import notify
from sig.ocorrencias.categories import get_categories
from sig.ocorrencias.errors import OcorrenciaError, from_database
from sig.ocorrencias.public import STATES

APPLICATION = "sig-ocorrencias"
MAX_NOTE = 4000
LIST_LIMIT = 1000

SUMMARY = ("o.id, o.codigo, o.categoria, o.municipio, o.freguesia, o.estado, o.atribuida_a, "
           "o.servico, o.prazo, o.created_at, o.updated_at, o.fechada_em, o.row_version, "
           "coalesce(o.fechada_em, now()) > o.prazo, ST_X(ST_Transform(o.geom, 4326)), "
           "ST_Y(ST_Transform(o.geom, 4326)), o.descricao, d.codigo")
SUMMARY_FIELDS = ("id", "codigo", "categoria", "municipio", "freguesia", "estado", "atribuida_a",
                  "servico", "prazo", "criada_em", "atualizada_em", "fechada_em", "row_version",
                  "atrasada", "lon", "lat", "descricao", "duplicada_de")
FROM = "FROM public.ocorrencia o LEFT JOIN public.ocorrencia d ON d.id = o.duplicada_de"


def _run(actor: Actor, work):
    """`work(cursor)` as `actor`, with database refusals turned into errors for people."""
    try:
        with acting_as(actor, APPLICATION), connection.cursor() as cursor:
            return work(cursor)
    except DatabaseError as exc:
        known = from_database(exc)
        if known is None:
            raise
        raise known from exc


def _summaries(cursor, where: str, params: list) -> list[dict[str, Any]]:
    cursor.execute(f"SELECT {SUMMARY} {FROM} WHERE {where} ORDER BY o.created_at DESC "
                   f"LIMIT {LIST_LIMIT}", params)
    return [dict(zip(SUMMARY_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def listing(actor: Actor, estado: str | None = None, atrasadas: bool = False,
            municipio: str | None = None) -> list[dict[str, Any]]:
    """The occurrences the actor may triage, newest first, optionally filtered."""
    where, params = ["true"], []
    if estado:
        where.append("o.estado = ANY(%s)")
        params.append(estado.split(","))
    if municipio:
        where.append("o.municipio = %s")
        params.append(municipio)
    if atrasadas:
        where.append("o.fechada_em IS NULL AND now() > o.prazo")
    return _run(actor, lambda c: _summaries(c, " AND ".join(where), params))


def _one(cursor, codigo: str) -> dict[str, Any]:
    found = _summaries(cursor, "o.codigo = %s", [codigo.upper()])
    if not found:
        raise NotFound(gettext("ocorrência %(code)s desconhecida ou de um município que não trata")
                       % {"code": codigo})
    return found[0]


def _extras(cursor, occurrence: dict[str, Any]) -> dict[str, Any]:
    pk = occurrence["id"]
    cursor.execute("SELECT nome, email, telefone, idioma FROM public.ocorrencia_contacto "
                   "WHERE ocorrencia = %s", [pk])
    contact = cursor.fetchone()
    cursor.execute("SELECT id, tipo, publico, estado, texto, autor, em FROM "
                   "public.ocorrencia_evento WHERE ocorrencia = %s ORDER BY id", [pk])
    names = ("id", "tipo", "publico", "estado", "texto", "autor", "em")
    events = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    cursor.execute("SELECT id, largura, altura FROM public.ocorrencia_foto WHERE ocorrencia = %s "
                   "ORDER BY id", [pk])
    fotos = [{"id": i, "largura": w, "altura": h} for i, w, h in cursor.fetchall()]
    cursor.execute("SELECT elemento_tema, elemento_id, elemento_distancia_m, atributos, morada "
                   "FROM public.ocorrencia WHERE id = %s", [pk])
    tema, elemento, distancia, atributos, morada = cursor.fetchone()
    return occurrence | {
        "contacto": dict(zip(("nome", "email", "telefone", "idioma"), contact, strict=True))
        if contact else None,
        "eventos": events, "fotografias": fotos, "atributos": atributos, "morada": morada,
        "elemento": {"tema": tema, "id": elemento, "distancia_m": distancia} if tema else None}


def detail(actor: Actor, codigo: str) -> dict[str, Any]:
    """Everything staff see about one occurrence, contacts and internal notes included."""
    return _run(actor, lambda c: _extras(c, _one(c, codigo)))


def photo(actor: Actor, foto_id: int) -> bytes:
    def work(cursor):
        cursor.execute("SELECT conteudo FROM public.ocorrencia_foto WHERE id = %s", [foto_id])
        row = cursor.fetchone()
        if row is None:
            raise NotFound(gettext("fotografia desconhecida ou de um município que não trata"))
        return bytes(row[0])
    return _run(actor, work)


def _duplicate_target(cursor, code: Any) -> int:
    if not isinstance(code, str) or not code.strip():
        raise OcorrenciaError(gettext("indique a ocorrência de que esta é duplicada "
                                      "(duplicada_de)"))
    return _one(cursor, code.strip())["id"]


def _category_columns(cursor, current: dict[str, Any], code: Any) -> dict[str, Any]:
    category = get_categories().get(str(code))
    if category is None:
        raise OcorrenciaError(gettext("categoria desconhecida: %(code)s")
                              % {"code": str(code)[:40]})
    cursor.execute("SELECT created_at + make_interval(hours => %s) FROM public.ocorrencia "
                   "WHERE id = %s", [category.target_hours, current["id"]])
    return {"categoria": category.code, "servico": category.service_for(current["municipio"]),
            "prazo": cursor.fetchone()[0]}


def _columns(cursor, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The columns to set for the requested changes (checked here for clear messages; the
    database checks them again)."""
    unknown = set(changes) - {"estado", "atribuida_a", "duplicada_de", "categoria"}
    if unknown:
        raise OcorrenciaError(gettext("não pode alterar: %(fields)s")
                              % {"fields": ", ".join(sorted(unknown))})
    columns: dict[str, Any] = {}
    if "estado" in changes:
        if changes["estado"] not in STATES:
            raise OcorrenciaError(gettext("estado desconhecido: %(state)s")
                                  % {"state": str(changes["estado"])[:40]})
        columns["estado"] = changes["estado"]
        if changes["estado"] == "duplicada":
            columns["duplicada_de"] = _duplicate_target(cursor, changes.get("duplicada_de"))
    if "atribuida_a" in changes:
        assignee = str(changes["atribuida_a"] or "").strip()[:150]
        columns["atribuida_a"] = assignee or None
    if "categoria" in changes:
        columns |= _category_columns(cursor, current, changes["categoria"])
    return columns


def _update(cursor, pk: int, columns: dict[str, Any], row_version: int) -> None:
    assignments = ", ".join(f"{name} = %s" for name in columns)
    cursor.execute(f"UPDATE public.ocorrencia SET {assignments}, row_version = %s "
                   "WHERE id = %s", [*columns.values(), row_version, pk])


def change(actor: Actor, codigo: str, changes: dict[str, Any], row_version: Any) -> dict:
    """Apply triage changes at `row_version` (stale: 412); the reporter is told of a new state."""
    if not isinstance(row_version, int) or isinstance(row_version, bool):
        raise EditingError(gettext("indique a versão da ocorrência (row_version)"), status=428,
                           code="PreconditionRequired")

    def work(cursor):
        current = _one(cursor, codigo)
        columns = _columns(cursor, current, changes)
        if columns:
            _update(cursor, current["id"], columns, row_version)
        after = _one(cursor, codigo)
        if after["estado"] != current["estado"]:
            _notify_later(cursor, after, None)
        return after
    return _run(actor, work)


def add_note(actor: Actor, codigo: str, texto: Any, publico: bool) -> dict[str, Any]:
    """A public reply (the reporter is told) or an internal note."""
    text = str(texto or "").replace("\x00", "").strip()
    if not text or len(text) > MAX_NOTE:
        raise OcorrenciaError(gettext("escreva um texto de 1 a %(max)s caracteres")
                              % {"max": MAX_NOTE})

    def work(cursor):
        current = _one(cursor, codigo)
        cursor.execute("INSERT INTO public.ocorrencia_evento (ocorrencia, tipo, publico, texto) "
                       "VALUES (%s, %s, %s, %s)",
                       [current["id"], "resposta" if publico else "nota", publico, text])
        if publico:
            _notify_later(cursor, current, text)
        return _extras(cursor, current)
    return _run(actor, work)


def _notify_later(cursor, occurrence: dict[str, Any], reply: str | None) -> None:
    """E-mail the reporter once the transaction commits (if they left an address)."""
    cursor.execute("SELECT email, idioma FROM public.ocorrencia_contacto WHERE ocorrencia = %s "
                   "AND email IS NOT NULL", [occurrence["id"]])
    row = cursor.fetchone()
    if row:
        message = notify.Change(occurrence["codigo"], occurrence["estado"], reply, row[1])
        transaction.on_commit(lambda: notify.send(row[0], message))
