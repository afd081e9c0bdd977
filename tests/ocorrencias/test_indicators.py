"""Indicators: open and closed per municipality and category, median time to resolve, overdue
share; the same numbers in JSON and CSV."""

from __future__ import annotations

import csv
import io

from sig.ocorrencias import triage
from sig.ocorrencias.indicators import indicators


def _row(rows, municipio, categoria):
    return next(r for r in rows if r["municipio"] == municipio and r["categoria"] == categoria)


def test_counts_median_and_overdue(client, new_report, ana):
    before = indicators()
    first, second = new_report(categoria="sinalizacao"), new_report(categoria="sinalizacao")
    triage.change(ana, first.codigo, {"estado": "em_analise"}, 1)
    triage.change(ana, first.codigo, {"estado": "resolvida"}, 2)
    rows = indicators()
    old = next((r for r in before if r["municipio"] == "1009"
                and r["categoria"] == "sinalizacao"), {"abertas": 0, "fechadas": 0})
    row = _row(rows, "1009", "sinalizacao")
    assert (row["abertas"], row["fechadas"]) == (old["abertas"] + 1, old["fechadas"] + 1)
    assert row["mediana_horas"] is not None and row["mediana_horas"] < 1
    assert 0 <= row["atrasadas_pct"] <= 100
    total = _row(rows, None, None)
    assert total["abertas"] + total["fechadas"] >= 2
    assert second.codigo  # stays open
    table = list(csv.DictReader(io.StringIO(
        client.get("/ocorrencias/indicadores.csv").content.decode())))
    line = next(r for r in table if r["municipio"] == "1009" and r["categoria"] == "sinalizacao")
    assert int(line["abertas"]) == row["abertas"]
    assert client.get("/ocorrencias/indicadores.json").json()["indicadores"]
