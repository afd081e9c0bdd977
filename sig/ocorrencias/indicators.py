"""Indicators of the occurrences per municipality and category: open and closed, median time
to resolve (hours, resolved ones), overdue share (open past their target, or closed after it).
Read from the public projection only."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db import connection

INDICATORS_SQL = """
SELECT p.municipio, m.nome, p.categoria,
       count(*) FILTER (WHERE p.fechada_em IS NULL) AS abertas,
       count(*) FILTER (WHERE p.fechada_em IS NOT NULL) AS fechadas,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
             p.fechada_em - p.criada_em) / 3600) FILTER (WHERE p.estado = 'resolvida'))::numeric,
             1) AS mediana_horas,
       round(100.0 * count(*) FILTER (WHERE p.atrasada) / nullif(count(*), 0), 1)
         AS atrasadas_pct
  FROM public.ocorrencia_publica p JOIN public.municipio m ON m.dico = p.municipio
 GROUP BY GROUPING SETS ((p.municipio, m.nome, p.categoria), (p.municipio, m.nome), ())
 ORDER BY p.municipio NULLS FIRST, p.categoria NULLS FIRST
"""
COLUMNS = ("municipio", "municipio_nome", "categoria", "abertas", "fechadas", "mediana_horas",
           "atrasadas_pct")


def indicators() -> list[dict[str, Any]]:
    """One row per municipality and category, per municipality (categoria None) and for the
    whole CIM (municipio None)."""
    with connection.cursor() as cursor:
        cursor.execute(INDICATORS_SQL)
        rows = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for name in ("mediana_horas", "atrasadas_pct"):
            row[name] = float(row[name]) if row[name] is not None else None
    return rows


def as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()
