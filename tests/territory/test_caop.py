"""CAOP loading: the ten CIMRL municipalities and their 73 freguesias, in EPSG:3763."""

from __future__ import annotations

import pytest

from sig.territory.caop import CaopError, load_caop
from tests.conftest import shared

# Areas in PT-TM06 published with the shared CAOP extract (km²).
AREAS_KM2 = {
    "1009": 565.2, "1015": 625.9, "1016": 261.8, "1010": 187.2, "1003": 176.1,
    "1008": 173.5, "1002": 160.5, "1013": 128.7, "1004": 103.5, "1007": 66.8,
}
NAMES = {"1007": "Castanheira de Pêra", "1008": "Figueiró dos Vinhos", "1002": "Alvaiázere"}


def test_ten_municipalities_with_their_areas(caop, owner):
    rows = owner.execute("SELECT dico, nome, ST_Area(geom) / 1e6, ST_SRID(geom), ST_IsValid(geom)"
                         " FROM municipio").fetchall()
    assert {r[0] for r in rows} == set(AREAS_KM2)
    for dico, nome, area, srid, valid in rows:
        assert srid == 3763 and valid
        assert area == pytest.approx(AREAS_KM2[dico], rel=0.01), dico
        if dico in NAMES:
            assert nome == NAMES[dico]


def test_73_freguesias_each_in_its_municipality(caop, owner):
    count, wrong = owner.execute(
        "SELECT count(*), count(*) FILTER (WHERE left(dicofre, 4) <> municipio) "
        "FROM freguesia").fetchone()
    assert (count, wrong) == (73, 0)
    per = dict(owner.execute("SELECT municipio, count(*) FROM freguesia GROUP BY 1").fetchall())
    assert per["1015"] == 17 and per["1009"] == 20 and per["1016"] == 10


def test_tolerance_boundary_is_stored(caop, owner):
    grown = owner.execute("SELECT bool_and(ST_Covers(geom_limite, geom)) AND "
                          "bool_and(ST_Area(geom_limite) > ST_Area(geom)) FROM municipio"
                          ).fetchone()[0]
    assert grown


def test_source_without_boundaries_is_refused(tmp_path, caop):
    (tmp_path / "x.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    with pytest.raises(CaopError, match="nenhuma camada de municípios"):
        load_caop([str(tmp_path / "x.geojson")])


def test_missing_source_is_named():
    with pytest.raises(CaopError, match="não encontrada: /nao/existe"):
        load_caop(["/nao/existe"])


def test_reload_is_idempotent(caop, owner):
    before = owner.execute("SELECT count(*) FROM municipio").fetchone()[0]
    load_caop([str(shared("caop"))])
    assert owner.execute("SELECT count(*) FROM municipio").fetchone()[0] == before
