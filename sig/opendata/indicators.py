"""Indicators of public policy per municipality and for the whole CIM, computed in SQL.

Each indicator is one aggregate query over a theme table with
`GROUP BY GROUPING SETS ((municipio, classe), (classe))`: the rows with no municipality are the
CIM totals, computed by PostgreSQL over all rows (shares are not averages of shares). Results are
kept as a snapshot refreshed when the data changes (`sig.opendata.snapshots`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sig.opendata.downloads import reader_connection
from sig.registry import get_registry

KEY = "indicadores"
CIMRL = "cimrl"

MEASURES = {
    "count": "count(*)::float8",
    "length_km": "round((sum(ST_Length(t.geom)) / 1000.0)::numeric, 3)::float8",
    "area_ha": "round((sum(ST_Area(t.geom)) / 10000.0)::numeric, 2)::float8",
    "share_true": "round((100.0 * count(*) FILTER (WHERE t.\"{attr}\") "
                  "/ nullif(count(*), 0))::numeric, 1)::float8",
    "last_update": "max(t.updated_at)",
}


@dataclass(frozen=True)
class Indicator:
    """What to aggregate: a theme, a measure, and the attribute giving the classes."""

    id: str
    title: dict[str, str]
    unit: dict[str, str]
    theme: str
    measure: str
    by: str | None = None  # attribute for the classes; None: one value per area
    attr: str | None = None  # the boolean attribute of share_true

    def sql(self) -> str:
        measure = MEASURES[self.measure].format(attr=self.attr or "")
        classe = f't."{self.by}"::text' if self.by else f"'{self.theme}'::text"
        return (f"SELECT t.municipio::text, {classe} AS classe, {measure} "
                f'FROM public."{self.theme}" t '
                "GROUP BY GROUPING SETS ((t.municipio, classe), (classe))")


def _count_indicators() -> list[Indicator]:
    result = []
    for theme in get_registry():
        result.append(Indicator(
            f"elementos_{theme.id}", {"pt": f"Elementos — {theme.title.pt}",
                                      "en": f"Features — {theme.title.en}"},
            {"pt": "elementos", "en": "features"}, theme.id, "count", theme.style.classify_by))
    return result


def definitions() -> list[Indicator]:
    """Every indicator, in page order."""
    fixed = [
        Indicator("rede_viaria_km", {"pt": "Rede viária por classificação",
                                     "en": "Road network by classification"},
                  {"pt": "km", "en": "km"}, "rede_viaria", "length_km", "classificacao"),
        Indicator("pdm_area_ha", {"pt": "Área do PDM (ordenamento) por categoria",
                                  "en": "Master plan (zoning) area by category"},
                  {"pt": "ha", "en": "ha"}, "ordenamento", "area_ha", "codigo"),
        Indicator("iluminacao_led", {"pt": "Luminárias LED", "en": "LED luminaires"},
                  {"pt": "%", "en": "%"}, "iluminacao_publica", "share_true", None, "led"),
        Indicator("residuos_fluxo", {"pt": "Contentores de resíduos por fluxo",
                                     "en": "Waste containers by stream"},
                  {"pt": "contentores", "en": "containers"}, "residuos", "count", "fluxo"),
    ]
    updates = [Indicator(f"atualizacao_{t.id}", {"pt": "Última atualização por camada",
                                                 "en": "Last update per layer"},
                         {"pt": "data", "en": "date"}, t.id, "last_update") for t in get_registry()]
    return fixed + _count_indicators() + updates


def _value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def compute() -> dict[str, Any]:
    """Run every indicator query as sig_reader; JSON-ready rows [area, class, value]."""
    result: dict[str, Any] = {}
    with reader_connection() as conn:
        for indicator in definitions():
            rows = conn.execute(indicator.sql()).fetchall()
            result[indicator.id] = [[m or CIMRL, c, _value(v)] for m, c, v in rows]
    return result


def values() -> tuple[dict[str, Any], str]:
    """The cached values and when they were computed (ISO)."""
    from sig.opendata.snapshots import cached

    snapshot = cached(KEY, compute)
    return snapshot.data, snapshot.computed_at.isoformat()


# Presentation -------------------------------------------------------------------------------

def class_labels(indicator: Indicator, lang: str) -> dict[str, str]:
    """Class code → label, in code-list order (the theme title when there are no classes)."""
    registry = get_registry()
    theme = registry[indicator.theme]
    if not indicator.by:
        return {indicator.theme: getattr(theme.title, lang)}
    codelist = theme.attribute(indicator.by).codelist
    if not codelist:
        return {}
    return {v.code: getattr(v.label, lang) for v in registry.codelist(theme.id, codelist)}


@dataclass(frozen=True)
class Table:
    """One indicator as rows of classes × columns of areas."""

    indicator: Indicator
    areas: list[tuple[str, str]]  # (code, name), CIM first
    rows: list[tuple[str, str, list[Any]]]  # (class code, label, values per area)


def table(indicator: Indicator, data: list[list[Any]], areas: list[tuple[str, str]],
          lang: str) -> Table:
    """Pivot the rows; classes keep code-list order, unknown classes go last."""
    cells = {(area, classe): value for area, classe, value in data}
    labels = class_labels(indicator, lang)
    present = {classe for _, classe, _ in data}
    order = [c for c in labels if c in present] + sorted(present - set(labels), key=str)
    rows = [(c, labels.get(c, c if c is not None else "—"),
             [cells.get((code, c)) for code, _ in areas]) for c in order]
    return Table(indicator, areas, rows)


def csv_text(data: dict[str, Any], areas: list[tuple[str, str]], lang: str) -> str:
    """Every indicator in long format: one line per indicator, area and class."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["indicador", "titulo", "unidade", "area", "area_nome", "classe",
                     "classe_nome", "valor"])
    names = dict(areas)
    for indicator in definitions():
        labels = class_labels(indicator, lang)
        for area, classe, value in _sorted(data.get(indicator.id, []), list(names)):
            writer.writerow([indicator.id, indicator.title[lang], indicator.unit[lang], area,
                             names.get(area, area), classe, labels.get(classe, classe),
                             "" if value is None else value])
    return out.getvalue()


def _sorted(rows: Iterable[list[Any]], area_order: list[str]) -> list[list[Any]]:
    rank = {code: i for i, code in enumerate(area_order)}
    return sorted(rows, key=lambda r: (rank.get(r[0], len(rank)), str(r[1])))
