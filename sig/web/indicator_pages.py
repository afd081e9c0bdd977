"""The indicators page as plain data: tables per indicator and a chart for the chosen area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sig.opendata import indicators
from sig.opendata.indicators import Indicator, Table
from sig.web.charts import Chart, bar_chart, number_text


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    unit: str
    table: Table
    chart: Chart | None
    is_date: bool

    def cell_text(self, value: Any, lang: str) -> str:
        if value is None:
            return "—"
        if self.is_date:
            return str(value)[:16].replace("T", " ")
        return number_text(float(value), lang)


def _chart(indicator: Indicator, table: Table, area: str, lang: str) -> Chart | None:
    if indicator.measure == "last_update":
        return None
    unit = indicator.unit[lang]
    if indicator.by:
        column = [code for code, _ in table.areas].index(area)
        return bar_chart([(label, row[column]) for _, label, row in table.rows], lang, unit)
    values = table.rows[0][2] if table.rows else []
    return bar_chart([(name, v) for (_, name), v in zip(table.areas, values, strict=False)],
                     lang, unit)


def sections(data: dict[str, Any], areas: list[tuple[str, str]], area: str,
             lang: str) -> list[Section]:
    """Every indicator except the per-layer dates (shown together by `updates_table`)."""
    result = []
    for indicator in indicators.definitions():
        if indicator.measure == "last_update":
            continue
        table = indicators.table(indicator, data.get(indicator.id, []), areas, lang)
        result.append(Section(indicator.id, indicator.title[lang], indicator.unit[lang], table,
                              _chart(indicator, table, area, lang), False))
    return result


def updates_table(data: dict[str, Any], areas: list[tuple[str, str]],
                  lang: str) -> list[tuple[str, list[str]]]:
    """Last update per layer (rows) and area (columns)."""
    rows = []
    for indicator in indicators.definitions():
        if indicator.measure != "last_update":
            continue
        cells = {a: v for a, _, v in data.get(indicator.id, [])}
        label = indicators.class_labels(indicator, lang)[indicator.theme]
        rows.append((label, [str(cells[c])[:10] if cells.get(c) else "—" for c, _ in areas]))
    return rows


def rows_for_template(section: Section, lang: str) -> list[tuple[str, list[str]]]:
    return [(label, [section.cell_text(v, lang) for v in values])
            for _, label, values in section.table.rows]


# The residents' occurrences (Linha Verde, `sig.ocorrencias.indicators`): measure, title, unit.
OCCURRENCE_MEASURES = (
    ("abertas", {"pt": "Ocorrências abertas", "en": "Open occurrences"},
     {"pt": "ocorrências", "en": "occurrences"}),
    ("fechadas", {"pt": "Ocorrências fechadas", "en": "Closed occurrences"},
     {"pt": "ocorrências", "en": "occurrences"}),
    ("mediana_horas", {"pt": "Tempo mediano de resolução", "en": "Median time to resolve"},
     {"pt": "horas", "en": "hours"}),
    ("atrasadas_pct", {"pt": "Ocorrências fora do prazo", "en": "Overdue occurrences"},
     {"pt": "%", "en": "%"}),
)
COUNTS = ("abertas", "fechadas")


def _occurrence_value(row: dict[str, Any] | None, key: str) -> Any:
    if row is None:
        return 0 if key in COUNTS else None
    return row[key]


def occurrence_table(rows: list[dict[str, Any]], areas: list[tuple[str, str]],
                     lang: str) -> list[tuple[str, list[str]]]:
    """One line per measure, one column per area (the CIM first), as the other tables."""
    per_area = {r["municipio"] or "cimrl": r for r in rows if r["categoria"] is None}
    table = []
    for key, title, unit in OCCURRENCE_MEASURES:
        values = [_occurrence_value(per_area.get(code), key) for code, _ in areas]
        table.append((f"{title[lang]} ({unit[lang]})",
                      ["—" if v is None else number_text(float(v), lang) for v in values]))
    return table


def occurrence_csv(rows: list[dict[str, Any]], areas: list[tuple[str, str]], lang: str,
                   category_names: dict[str, str]) -> list[list[Any]]:
    """The same measures in the indicators CSV's long format (class: the category, or empty
    for all of them)."""
    names = dict(areas)
    lines = []
    for row in rows:
        area = row["municipio"] or "cimrl"
        classe = row["categoria"] or ""
        for key, title, unit in OCCURRENCE_MEASURES:
            value = row[key]
            lines.append([f"ocorrencias_{key}", title[lang], unit[lang], area,
                          names.get(area, row["municipio_nome"] or area), classe,
                          category_names.get(classe, ""), "" if value is None else value])
    return lines
