"""The open-data catalogue: per-theme facts from the registry and from the data itself.

Statistics (features and last update per municipality, lineage by source and import run) are
computed in SQL as sig_reader and kept as a snapshot that refreshes when the data changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psycopg

from sig.opendata.downloads import reader_connection
from sig.opendata.exports import FORMATS, SRIDS, columns
from sig.registry import Theme, get_registry

log = logging.getLogger(__name__)

STATS_KEY = "temas"
LINEAGE_ROWS = 20


def _theme_stats(conn, theme: Theme) -> dict[str, Any]:
    table = f'public."{theme.table}"'
    per_municipio = {
        dico: {"elementos": n, "atualizado_em": last.isoformat() if last else None,
               "criado_em": first.isoformat() if first else None}
        for dico, n, first, last in conn.execute(
            f"SELECT municipio, count(*), min(created_at), max(updated_at) FROM {table} "
            "GROUP BY municipio")
    }
    lineage = [
        {"fonte": fonte, "execucao": run, "elementos": n, "municipios": list(municipios),
         "primeiro": first.isoformat() if first else None,
         "ultimo": last.isoformat() if last else None}
        for fonte, run, n, municipios, first, last in conn.execute(
            f"SELECT fonte, import_run, count(*), array_agg(DISTINCT municipio::text), "
            f"min(created_at), max(updated_at) FROM {table} GROUP BY fonte, import_run "
            f"ORDER BY max(updated_at) DESC NULLS LAST LIMIT {LINEAGE_ROWS}")
    ]
    return {"municipios": per_municipio, "linhagem": lineage}


def _files(files: Any) -> list[str]:
    if not isinstance(files, list):
        return []
    return [str(f.get("name", f)) if isinstance(f, dict) else str(f) for f in files]


def import_runs(conn, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the import log says about the runs that loaded the rows (if it exists)."""
    if not ids:
        return {}
    try:
        with conn.transaction():
            if conn.execute("SELECT to_regclass('public.importing_run')").fetchone()[0] is None:
                return {}
            rows = conn.execute(
                "SELECT id, finished_at, status, crs, transformation, accuracy_m, files "
                "FROM importing_run WHERE id = ANY(%s)", (ids,)).fetchall()
    except psycopg.Error:
        log.warning("registo de importações ilegível", exc_info=True)
        return {}
    return {run: {"concluida_em": done.isoformat() if done else None, "estado": status,
                  "crs": crs, "transformacao": transformation, "exatidao_m": accuracy,
                  "ficheiros": _files(files)}
            for run, done, status, crs, transformation, accuracy, files in rows}


def compute_stats() -> dict[str, Any]:
    """Statistics of every theme (JSON-ready), with the import runs behind each source."""
    with reader_connection() as conn:
        stats = {theme.id: _theme_stats(conn, theme) for theme in get_registry()}
        ids = sorted({row["execucao"] for s in stats.values() for row in s["linhagem"]
                      if row["execucao"] is not None})
        runs = import_runs(conn, ids)
    for theme_stats in stats.values():
        for row in theme_stats["linhagem"]:
            row["importacao"] = runs.get(row["execucao"])
    return stats


def stats() -> dict[str, Any]:
    """The cached statistics of every theme."""
    from sig.opendata.snapshots import cached

    return cached(STATS_KEY, compute_stats).data


@dataclass(frozen=True)
class CodeListView:
    name: str
    attribute: str
    values: list[dict[str, str]]


def codelists(theme: Theme) -> list[CodeListView]:
    """The code lists used by the theme's attributes, with pt/en labels."""
    registry = get_registry()
    views = []
    for attribute in theme.attributes:
        if attribute.codelist:
            values = [{"code": v.code, "pt": v.label.pt, "en": v.label.en}
                      for v in registry.codelist(theme.id, attribute.codelist)]
            views.append(CodeListView(attribute.codelist, attribute.name, values))
    return views


def attribute_rows(theme: Theme) -> list[dict[str, Any]]:
    """Exported attributes with their type, title, description, unit and code list."""
    by_name = {a.name: a for a in theme.attributes}
    rows = []
    for column in columns(theme):
        attribute = by_name.get(column.name)
        rows.append({
            "name": column.name, "kind": column.kind,
            "title": {"pt": column.title_pt, "en": column.title_en},
            "description": attribute.description.model_dump()
            if attribute and attribute.description else None,
            "unit": attribute.unit if attribute else None,
            "codelist": attribute.codelist if attribute else None,
            "required": attribute.required if attribute else column.name in ("id", "municipio"),
        })
    return rows


def download_matrix(theme: Theme, municipios: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per area (all, then each municipality), with links per format and CRS."""
    areas = [("cimrl", "CIM Região de Leiria")] + municipios
    return [{"area": code, "nome": name,
             "links": [{"format": f, "srid": srid,
                        "path": f"{theme.id}/{code}.{f.extension}" + ("" if srid == 3763
                                                                    else f"?crs={srid}")}
                       for f in FORMATS.values() for srid in SRIDS]}
            for code, name in areas]
