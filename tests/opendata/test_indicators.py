"""Indicators computed in SQL match an independent computation, are cached, and refresh when
the data changes."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict

import pytest
import shapely

from sig.opendata import indicators
from sig.opendata.models import Snapshot
from tests.conftest import act_as

pytestmark = pytest.mark.django_db


def _cells(data, indicator_id):
    return {(area, classe): value for area, classe, value in data[indicator_id]}


def test_road_km_by_classification_matches_shapely(demo, reader):
    data, _ = indicators.values()
    cells = _cells(data, "rede_viaria_km")
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for dico, kind, wkb in reader.execute(
            "SELECT municipio, classificacao, ST_AsBinary(geom) FROM rede_viaria"):
        length = shapely.from_wkb(bytes(wkb)).length / 1000
        totals[(dico, kind)] += length
        totals[("cimrl", kind)] += length
    assert set(cells) == set(totals)
    for key, km in totals.items():
        assert cells[key] == pytest.approx(km, abs=0.002)


def test_led_share_of_the_cim_is_over_all_luminaires_not_a_mean(demo, reader):
    data, _ = indicators.values()
    cells = _cells(data, "iluminacao_led")
    rows = reader.execute("SELECT municipio, led FROM iluminacao_publica").fetchall()
    per = Counter(dico for dico, _ in rows)
    led = Counter(dico for dico, is_led in rows if is_led)
    for dico in per:
        assert cells[(dico, "iluminacao_publica")] == pytest.approx(
            100 * led[dico] / per[dico], abs=0.05)
    overall = 100 * sum(led.values()) / len(rows)
    assert cells[("cimrl", "iluminacao_publica")] == pytest.approx(overall, abs=0.05)


def test_pdm_area_and_waste_streams(demo, reader):
    data, _ = indicators.values()
    area = _cells(data, "pdm_area_ha")
    (hectares,) = reader.execute(
        "SELECT sum(ST_Area(geom)) / 10000 FROM ordenamento WHERE municipio = '1016'").fetchone()
    assert sum(v for (a, _), v in area.items() if a == "1016") == pytest.approx(hectares, rel=1e-4)
    waste = _cells(data, "residuos_fluxo")
    counted = Counter(reader.execute("SELECT fluxo FROM residuos WHERE municipio = '1002'"))
    for (fluxo,), n in counted.items():
        assert waste[("1002", fluxo)] == n


def test_values_are_cached_until_the_data_changes(demo, app, reader):
    indicators.values()
    first = Snapshot.objects.get(key=indicators.KEY)
    again = indicators.values()
    assert Snapshot.objects.get(key=indicators.KEY).computed_at == first.computed_at
    fid, led = reader.execute("SELECT id, led FROM iluminacao_publica WHERE municipio = '1009' "
                              "ORDER BY id LIMIT 1").fetchone()
    reader.rollback()
    before = _cells(again[0], "iluminacao_led")[("1009", "iluminacao_publica")]
    try:
        with app.transaction():
            act_as(app, "teste-indicadores", ["1009"])
            app.execute("UPDATE iluminacao_publica SET led = NOT led WHERE id = %s", (fid,))
        data, computed_at = indicators.values()
        assert computed_at != first.computed_at.isoformat()
        after = _cells(data, "iluminacao_led")[("1009", "iluminacao_publica")]
        (total,) = reader.execute("SELECT count(*) FROM iluminacao_publica "
                                  "WHERE municipio = '1009'").fetchone()
        assert after == pytest.approx(before + (-100 if led else 100) / total, abs=0.06)
    finally:
        with app.transaction():
            act_as(app, "teste-indicadores", ["1009"])
            app.execute("UPDATE iluminacao_publica SET led = %s WHERE id = %s", (led, fid))


def test_csv_export_has_every_value(demo):
    data, _ = indicators.values()
    areas = [("cimrl", "CIM Região de Leiria"), ("1009", "Leiria")]
    rows = list(csv.DictReader(io.StringIO(indicators.csv_text(data, areas, "pt"))))
    roads = [r for r in rows if r["indicador"] == "rede_viaria_km" and r["area"] == "1009"]
    cells = _cells(data, "rede_viaria_km")
    assert {r["classe"] for r in roads} == {c for a, c in cells if a == "1009"}
    en = next(r for r in roads if r["classe"] == "EN")
    assert en["classe_nome"] == "Estrada nacional" and en["unidade"] == "km"
    assert float(en["valor"]) == cells[("1009", "EN")]
    assert en["area_nome"] == "Leiria"
