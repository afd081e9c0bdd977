"""History of features from the append-only audit log: timelines, the state after any change,
revert (itself recorded as a change), restore of deleted features, and changes since a date.

The log is written only by the database triggers; the application reads it as sig_app.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.utils.translation import gettext, gettext_noop

from sig.editing.accounts import Actor
from sig.editing.acting import acting_as
from sig.editing.errors import EditingError, NotFound
from sig.editing.features import (
    apply_changes,
    check_version,
    database_errors,
    lock,
    model_for,
    require_editable,
)
from sig.registry import Theme, get_registry

# Recorded in pt-PT (the API and the feeds carry them as data); pages translate them.
OPERATIONS = {"I": gettext_noop("criação"), "U": gettext_noop("alteração"),
              "D": gettext_noop("eliminação")}
# Columns that are bookkeeping, not content: left out of diffs and never reverted.
BOOKKEEPING = frozenset({"id", "row_version", "created_at", "created_by", "updated_at",
                         "updated_by"})
ENTRY_COLUMNS = ("id, table_name, row_id, municipio, op, at, db_user, db_role, app_user, "
                 "application_name, row_version, old_values, new_values")


@dataclass(frozen=True)
class Entry:
    """One row of audit.change_log."""

    id: int
    table_name: str
    row_id: int
    municipio: str | None
    op: str
    at: dt.datetime
    db_user: str
    db_role: str
    app_user: str | None
    application_name: str | None
    row_version: int | None
    old_values: dict | None
    new_values: dict | None
    old_geom: str | None = None
    new_geom: str | None = None

    @property
    def actor(self) -> str:
        """Who made the change: the application's user, or the database login."""
        if self.db_user == "sig_app":
            return self.app_user or "anónimo (aplicação)"
        return f"{self.db_user} (PostGIS)"

    def changed_keys(self) -> list[str]:
        values = self.new_values if self.op != "D" else self.old_values
        return sorted(k for k in (values or {}) if k not in BOOKKEEPING)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _entry(row: tuple) -> Entry:
    values = list(row)
    for index in (11, 12):  # jsonb arrives as text or dict depending on the driver set-up
        if isinstance(values[index], str):
            values[index] = json.loads(values[index])
    return Entry(*values)


def entries(theme: Theme, pk: int) -> list[Entry]:
    """Every change of one feature, oldest first, with geometries as hex EWKB."""
    rows = _fetch(f"SELECT {ENTRY_COLUMNS}, old_geom::text, new_geom::text FROM audit.change_log "
                  "WHERE table_name = %s AND row_id = %s ORDER BY id", [theme.table, pk])
    return [_entry(row) for row in rows]


def _geojson(hexewkb: str | None, srid: int) -> dict | None:
    if not hexewkb:
        return None
    geometry = GEOSGeometry(hexewkb)
    if geometry.srid != srid:
        geometry = geometry.transform(srid, clone=True)
    return json.loads(geometry.json)


def _content(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if k not in BOOKKEEPING}


def timeline(theme: Theme, pk: int, srid: int = 3763) -> list[dict]:
    """A feature's changes for people: who, when, what changed before/after, and geometries."""
    found = entries(theme, pk)
    if not found:
        raise NotFound(gettext("não há histórico do elemento %(id)s de %(theme)s")
                       % {"id": pk, "theme": theme.id})
    found = [_with_image(theme, e, found) for e in found]
    return [{
        "alteracao": e.id, "op": e.op, "operacao": OPERATIONS[e.op], "em": e.at.isoformat(),
        "autor": e.actor, "utilizador_bd": e.db_user, "aplicacao": e.application_name,
        "versao": e.row_version, "municipio": e.municipio,
        "antes": _content(e.old_values), "depois": _content(e.new_values),
        "geometria_antes": _geojson(e.old_geom, srid),
        "geometria_depois": _geojson(e.new_geom, srid),
    } for e in found]


def _with_image(theme: Theme, entry: Entry, log: list[Entry]) -> Entry:
    """A creation entry with the feature's content right after it: the log keeps no image of
    a creation, since the present row and the later entries determine it."""
    if entry.op != "I" or entry.new_values is not None:
        return entry
    values, geom = state_after(theme, entry.row_id, entry.id, log)
    return dataclasses.replace(entry, new_values=values, new_geom=geom)


def _current_image(theme: Theme, pk: int) -> tuple[dict | None, str | None]:
    table = connection.ops.quote_name(theme.table)
    rows = _fetch(f"SELECT to_jsonb(t) - 'geom', t.geom::text FROM {table} t WHERE t.id = %s",
                  [pk])
    if not rows:
        return None, None
    values = rows[0][0]
    return (json.loads(values) if isinstance(values, str) else values), rows[0][1]


def state_after(theme: Theme, pk: int, change_id: int,
                log: list[Entry] | None = None) -> tuple[dict, str]:
    """The feature's content and geometry (hex EWKB) right after change `change_id`, walking
    back from its present state (or from its deletion) through the log (read here unless
    the caller has it)."""
    log = entries(theme, pk) if log is None else log
    target = next((e for e in log if e.id == change_id), None)
    if target is None:
        raise NotFound(gettext("a alteração %(change)s não é do elemento %(id)s de %(theme)s")
                       % {"change": change_id, "id": pk, "theme": theme.id})
    if target.op == "D":
        raise EditingError(gettext("não é possível reverter para uma eliminação; elimine o "
                                   "elemento"))
    values, geom = _current_image(theme, pk)
    for entry in reversed([e for e in log if e.id > change_id]):
        if entry.op == "U":
            values = {**(values or {}), **(entry.old_values or {})}
            geom = entry.old_geom or geom
        elif entry.op == "D":
            values, geom = dict(entry.old_values or {}), entry.old_geom
        else:
            values, geom = None, None
    if values is None or geom is None:
        raise EditingError(gettext("o histórico do elemento %(id)s está incompleto") % {"id": pk})
    return values, geom


def _model_changes(theme: Theme, values: dict, geom: str) -> dict[str, Any]:
    """Column values of a stored image, as model field names (content columns only)."""
    changes: dict[str, Any] = {a.name: values.get(a.name) for a in theme.attributes}
    changes["municipio_id"] = values.get("municipio")
    changes["freguesia_id"] = values.get("freguesia")
    for key in ("fonte", "fonte_id", "import_run"):
        changes[key] = values.get(key)
    changes["geom"] = GEOSGeometry(geom)
    return changes


def revert(actor: Actor, theme: Theme, pk: int, change_id: int, expected: set[int]) -> None:
    """Make the feature as it was right after `change_id`; the revert is a recorded change."""
    values, geom = state_after(theme, pk, change_id)
    application = f"sig-editor:revert:{change_id}"
    with database_errors(), acting_as(actor, application):
        current = lock(theme, pk)
        require_editable(actor, theme, current.municipio, pk)
        check_version(theme, pk, current.version, expected)
        apply_changes(actor, theme, pk, current, _model_changes(theme, values, geom))


def restore(actor: Actor, theme: Theme, pk: int) -> None:
    """Bring back a deleted feature, with its id, as it was when deleted (a recorded insert)."""
    if model_for(theme).objects.filter(pk=pk).exists():
        raise EditingError(gettext("o elemento %(id)s de %(theme)s existe; use reverter")
                           % {"id": pk, "theme": theme.id}, status=409, code="Conflict")
    deletions = [e for e in entries(theme, pk) if e.op == "D"]
    if not deletions:
        raise NotFound(gettext("o elemento %(id)s de %(theme)s não foi eliminado")
                       % {"id": pk, "theme": theme.id})
    last = deletions[-1]
    with database_errors(), acting_as(actor, f"sig-editor:restore:{last.id}"):
        require_editable(actor, theme, last.municipio)
        with connection.cursor() as cursor:
            cursor.execute("SELECT acl.restore_feature(%s, %s)", [theme.table, pk])


def deleted(theme: Theme, municipios: list[str], limit: int = 200) -> list[dict]:
    """Features deleted (and not restored) in these municipalities, most recent first."""
    table = connection.ops.quote_name(theme.table)
    rows = _fetch(
        f"SELECT * FROM (SELECT DISTINCT ON (c.row_id) {_prefixed('c')} FROM audit.change_log c "
        "WHERE c.table_name = %s AND c.op = 'D' AND c.municipio = ANY(%s) "
        f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = c.row_id) "
        "ORDER BY c.row_id, c.id DESC) d ORDER BY d.id DESC LIMIT %s",
        [theme.table, municipios, limit])
    return [_summary(_entry(row)) for row in rows]


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in ENTRY_COLUMNS.split(","))


def _title(theme_id: str) -> str:
    registry = get_registry()
    return registry[theme_id].title.pt if theme_id in registry else theme_id


def _summary(e: Entry) -> dict:
    """An entry for lists and feeds (no geometry, no client address)."""
    return {
        "alteracao": e.id, "tema": e.table_name, "tema_titulo": _title(e.table_name),
        "elemento": e.row_id, "municipio": e.municipio, "op": e.op,
        "operacao": OPERATIONS[e.op], "em": e.at.isoformat(), "autor": e.actor,
        "aplicacao": e.application_name, "versao": e.row_version, "campos": e.changed_keys(),
        "antes": _content(e.old_values), "depois": _content(e.new_values),
    }


def changes_since(municipios: list[str], since: dt.datetime, theme: str | None = None,
                  limit: int = 500) -> list[dict]:
    """What changed in these municipalities since a moment, most recent first."""
    sql = (f"SELECT {ENTRY_COLUMNS} FROM audit.change_log WHERE municipio = ANY(%s) AND at >= %s")
    params: list[Any] = [municipios, since]
    if theme:
        sql += " AND table_name = %s"
        params.append(theme)
    rows = _fetch(sql + " ORDER BY id DESC LIMIT %s", params + [limit])
    return [_summary(_entry(row)) for row in rows]
