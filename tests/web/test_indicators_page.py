"""The indicators page and its CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest

from sig.opendata import indicators

pytestmark = pytest.mark.django_db


def test_page_has_a_chart_and_a_table_per_indicator(demo, client, reader):
    response = client.get("/indicadores/?municipio=1015")
    assert response.status_code == 200
    html = response.content.decode()
    for indicator in indicators.definitions():
        if indicator.measure != "last_update":
            assert f'id="{indicator.id}"' in html
    section = html[html.index('id="residuos_fluxo"'):html.index('id="elementos_')]
    bars = re.findall(r"<title>([^<]+): ([\d  ,]+) contentores</title>", section)
    counted = dict(reader.execute("SELECT fluxo, count(*) FROM residuos WHERE municipio = '1015' "
                                  "GROUP BY fluxo").fetchall())
    labels = {"Indiferenciados": "indiferenciado", "Papel e cartão": "papel",
              "Embalagens": "embalagens", "Vidro": "vidro", "Biorresíduos": "organico",
              "Óleos alimentares": "oleos"}
    assert {labels[label]: int(value.replace(" ", "").replace(" ", ""))
            for label, value in bars} == counted
    assert 'id="atualizacao"' in html and "Pombal" in html


def test_unknown_area_is_refused(client):
    response = client.get("/indicadores/?municipio=9999")
    assert response.status_code == 400


def test_csv_export(demo, client):
    response = client.get("/indicadores/indicadores.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    ids = {r["indicador"] for r in rows}
    assert {i.id for i in indicators.definitions()} <= ids
    led = [r for r in rows if r["indicador"] == "iluminacao_led"]
    assert {r["area"] for r in led} == {"cimrl", "1002", "1003", "1004", "1007", "1008", "1009",
                                        "1010", "1013", "1015", "1016"}
