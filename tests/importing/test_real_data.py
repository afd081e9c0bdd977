"""The real files of the shared test data: Ministry of Justice facilities, Moita's PDM
(as a CIMRL municipality: all quarantined; in a configuration covering Moita: imported) and
Tomar's REN/RAN condicionantes."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from sig.conf import BASE_DIR, get_settings
from tests.conftest import shared
from tests.importing.conftest import delete_source, do_import, environment, scalar

PROFILES = BASE_DIR / "data" / "profiles"
MJ_PROFILE = PROFILES / "cimrl" / "equipamentos-justica.yml"
MJ_SOURCE = "Ministério da Justiça — equipamentos"
# Per municipality, from the shared data's README (point-in-polygon, 50 m tolerance).
MJ_COUNTS = {"1009": 24, "1015": 12, "1010": 7, "1016": 6, "1003": 6, "1008": 5, "1007": 3,
             "1002": 2, "1004": 2, "1013": 2}
MOITA_ZIP = ("pdm_moita", "1506_planta_ord_dados_origem.zip")
MOITA_GPKG = ("pdm_moita", "PDM_1506_Moita_modelo_dgt.gpkg")


def test_justice_facilities_split_by_location(caop):
    delete_source(MJ_SOURCE)
    try:
        result = do_import([shared("equipamentos_justica", "cimrl_mj_equipamentos.json")],
                           "equipamentos", get_settings().municipios, profile=MJ_PROFILE)
        assert (result.read, result.inserted, result.quarantined) == (69, 69, 0)
        counts = dict(scalar(
            "SELECT json_agg(json_build_array(municipio, n)) FROM (SELECT municipio, count(*) "
            "AS n FROM equipamentos WHERE fonte = %s GROUP BY municipio) x", MJ_SOURCE))
        assert counts == MJ_COUNTS
        assert scalar("SELECT count(*) FROM equipamentos WHERE fonte = %s AND (tipo <> 'justica' "
                      "OR freguesia IS NULL OR codigo_postal !~ '^[0-9]{4}-[0-9]{3}$')",
                      MJ_SOURCE) == 0
        again = do_import([shared("equipamentos_justica", "cimrl_mj_equipamentos.json")],
                          "equipamentos", get_settings().municipios, profile=MJ_PROFILE)
        assert again.unchanged == 69 and again.balanced
    finally:
        delete_source(MJ_SOURCE)


def test_moita_declared_as_leiria_is_all_quarantined(caop):
    fonte = "teste-moita-fora"
    result = do_import([shared(*MOITA_ZIP)], "ordenamento", ("1009",),
                       profile=PROFILES / "1506" / "ordenamento.yml", fonte=fonte)
    assert (result.read, result.inserted, result.quarantined) == (397, 0, 397)
    outside = "fora do município 1009 (mesmo com a tolerância de 50 m do limite)"
    assert dict(result.reasons)[outside] == 397
    assert dict(result.reasons)["atributo obrigatório em falta: codigo"] == 30
    assert scalar("SELECT count(*) FROM ordenamento WHERE fonte = %s", fonte) == 0
    notes = scalar("SELECT json_object_agg(k, n) FROM (SELECT split_part(message, ' (', 1) AS k, "
                   "count(*) AS n FROM importing_note WHERE run_id = %s GROUP BY 1) x",
                   result.run_id)
    assert notes["geometria inválida reparada"] == 7
    truncated = scalar("SELECT count(DISTINCT layer) FROM importing_note WHERE run_id = %s "
                       "AND message LIKE '%%cortado a meio de um carácter%%'", result.run_id)
    assert truncated == 2
    model = do_import([shared(*MOITA_GPKG)], "ordenamento", ("1009",),
                      profile=PROFILES / "1506" / "ordenamento-modelo-dgt.yml", fonte=fonte)
    assert (model.read, model.inserted, model.quarantined) == (339, 0, 339)


@pytest.fixture(scope="module")
def outside_cimrl(tmp_path_factory, caop):
    """A second database whose configuration serves Moita (its CAOP boundary from the zip)
    and Tomar (no boundary in the test data: the envelope of its REN/RAN files)."""
    folder = tmp_path_factory.mktemp("fora")
    caop_file = _caop_moita_tomar(folder)
    name = f"{get_settings().db_name}_fora"
    env = {"SIG_DB_NAME": name, "SIG_MUNICIPIOS": "1506,1418"}
    sig = [sys.executable, "-m", "sig.cli"]
    run_env = {**os.environ, **env}
    subprocess.run([*sig, "drop-db", "--yes", name], env=run_env, check=True, cwd=BASE_DIR,
                   capture_output=True)
    for command in (["bootstrap-db"], ["migrate"]):
        subprocess.run([*sig, *command], env=run_env, check=True, cwd=BASE_DIR,
                       capture_output=True)
    with environment(**env):
        from sig.territory.caop import load_caop

        load_caop([str(caop_file)])
        yield env
    subprocess.run([*sig, "drop-db", "--yes", name], env=run_env, cwd=BASE_DIR,
                   capture_output=True)


def _caop_moita_tomar(folder: Path) -> Path:
    with zipfile.ZipFile(shared(*MOITA_ZIP)) as archive:
        archive.extractall(folder)
    concelho = pyogrio.read_dataframe(folder / "Limite do Concelho (CAOP 2023).shp")
    freguesias = pyogrio.read_dataframe(folder / "Limite de Freguesia (CAOP 2023).shp")
    tomar = [pyogrio.read_dataframe(shared("condicionantes_tomar", f)).to_crs(3763)
             for f in ("tomar_ren.geojson", "tomar_ran.geojson")]
    envelope = shapely.box(*shapely.union_all([shapely.box(*t.total_bounds) for t in tomar])
                           .bounds).buffer(200, join_style="mitre")
    target = folder / "caop_teste.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame(
        {"dtmn": ["1506", "1418"], "municipio": ["Moita", "Tomar (envolvente dos dados)"]},
        geometry=[concelho.geometry[0], envelope], crs=3763), target, layer="municipios")
    pyogrio.write_dataframe(gpd.GeoDataFrame(
        {"dtmnfr": freguesias["DICOFRE"], "freguesia": freguesias["Freguesia"]},
        geometry=freguesias.geometry, crs=3763), target, layer="freguesias", append=True)
    return target


def test_moita_imports_where_moita_is_served(outside_cimrl):
    with environment(**outside_cimrl):
        polygons = do_import([shared(*MOITA_ZIP)], "ordenamento", ("1506",))
        assert polygons.balanced
        assert (polygons.read, polygons.inserted, polygons.quarantined) == (397, 367, 30)
        assert polygons.repaired == 7
        lines = do_import([shared(*MOITA_ZIP)], "ordenamento_linha", ("1506",))
        points = do_import([shared(*MOITA_ZIP)], "ordenamento_ponto", ("1506",))
        assert lines.inserted > 90 and points.inserted > 30
        model = do_import([shared(*MOITA_GPKG)], "ordenamento", ("1506",),
                          profile=PROFILES / "1506" / "ordenamento-modelo-dgt.yml")
        assert (model.read, model.inserted) == (339, 339)
        codes = scalar("SELECT count(DISTINCT codigo) FROM ordenamento WHERE objeto_uuid IS "
                       "NOT NULL AND freguesia LIKE '1506%%'")
        assert codes == 15
        again = do_import([shared(*MOITA_ZIP)], "ordenamento", ("1506",))
        assert (again.unchanged, again.inserted, again.updated) == (367, 0, 0)


def test_tomar_condicionantes_are_repaired_and_imported(outside_cimrl):
    with environment(**outside_cimrl):
        ren = do_import([shared("condicionantes_tomar", "tomar_ren.geojson")],
                        "condicionantes", ("1418",))
        assert (ren.read, ren.inserted, ren.quarantined, ren.repaired) == (1310, 1310, 0, 279)
        ran = do_import([shared("condicionantes_tomar", "tomar_ran.geojson")], "condicionantes",
                        ("1418",), profile=PROFILES / "1418" / "condicionantes-ran.yml")
        assert (ran.read, ran.inserted, ran.repaired) == (1, 1, 1)
        assert scalar("SELECT count(*) FROM condicionantes WHERE NOT ST_IsValid(geom)") == 0
        assert scalar("SELECT codigo || ' ' || ato FROM condicionantes WHERE etiqueta = 'RAN'") \
            == "68 AVISO 1510/2022"
