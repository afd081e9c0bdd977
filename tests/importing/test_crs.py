"""CRS of municipal files: DGT grids to the centimetre, a missing grid refused, Helmert on
request only (reference values: Leiria castle, see the geodesy notes)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sig.importing import crs
from sig.importing.errors import ImportRefused

# ETRS89 lon -8.8078, lat 39.7475 → PT-TM06.
REFERENCE = (-57826.420, 9015.829)
# The same point in the old grids (geodesy notes); 20791 and 5018 are 20790 without the
# false origin (200 000 / 300 000), ESRI 102164/102165 the Greenwich forms of 20790/20791.
OLD_GRIDS = {
    "EPSG:27493": (-57826.76, 9016.95),
    "EPSG:20790": (142171.98, 309015.05),
    "ESRI:102164": (142171.98, 309015.05),
    "EPSG:20791": (-57828.02, 9015.05),
    "EPSG:5018": (-57828.02, 9015.05),
    "ESRI:102165": (-57828.02, 9015.05),
}


def transform(code: str, xy: tuple[float, float], grids_dir: str | None, **options):
    plan = crs.plan(crs.resolve(None, code, "teste"), grids_dir=grids_dir, **options)
    point = plan.apply(np.array([shapely.Point(*xy)], dtype=object))[0]
    return plan, (point.x, point.y)


@pytest.mark.parametrize("code", sorted(OLD_GRIDS))
def test_old_portuguese_grids_reach_pt_tm06_within_a_centimetre(code, grids):
    plan, (x, y) = transform(code, OLD_GRIDS[code], grids)
    assert abs(x - REFERENCE[0]) < 0.01 and abs(y - REFERENCE[1]) < 0.01, (code, x, y)
    assert not plan.helmert_fallback
    assert plan.accuracy_m == pytest.approx(0.1)
    assert "Datum 73" in plan.description or "Lisbon" in plan.description or \
        "Lisboa" in plan.description


@pytest.mark.parametrize("code,xy", [("CRS84", (-8.8078, 39.7475)),
                                     ("EPSG:4326", (-8.8078, 39.7475)),
                                     ("EPSG:3763", REFERENCE)])
def test_etrs89_and_wgs84_sources(code, xy, grids):
    plan, (x, y) = transform(code, xy, grids)
    assert abs(x - REFERENCE[0]) < 0.01 and abs(y - REFERENCE[1]) < 0.01


@pytest.mark.parametrize("code", ["EPSG:3857", "EPSG:32629"])
def test_web_mercator_and_utm_are_accepted(code, grids):
    plan = crs.plan(crs.resolve(None, code, "teste"), grids_dir=grids)
    assert plan.transformer is not None and plan.accuracy_m is not None


def test_missing_grid_is_refused_naming_it(tmp_path, grids):
    with pytest.raises(ImportRefused) as refused:
        crs.plan(crs.resolve(None, "EPSG:27493", "teste"), grids_dir=str(tmp_path))
    message = str(refused.value)
    assert "pt_dgt_D73_ETRS89_geo.tif" in message
    assert "projsync --file pt_dgt_D73_ETRS89_geo.tif" in message
    assert "--allow-helmert" in message
    with pytest.raises(ImportRefused, match="pt_dgt_DLx_ETRS89_geo.tif"):
        crs.plan(crs.resolve(None, "EPSG:20790", "teste"), grids_dir=str(tmp_path))
    crs.use_grids(grids)


def test_helmert_only_when_allowed_and_recorded(tmp_path, grids):
    plan, (x, y) = transform("EPSG:27493", OLD_GRIDS["EPSG:27493"], str(tmp_path),
                             allow_helmert=True)
    assert plan.helmert_fallback and plan.missing_grids == ("pt_dgt_D73_ETRS89_geo.tif",)
    assert "Helmert" in plan.summary
    offset = float(np.hypot(x - REFERENCE[0], y - REFERENCE[1]))
    assert 0.3 < offset < 0.5  # the silent fallback is 0.40 m off at Leiria
    crs.use_grids(grids)


def test_unknown_codes_are_refused():
    with pytest.raises(ImportRefused, match="desconhecido: EPSG:99999"):
        crs.parse_crs("EPSG:99999")
    with pytest.raises(ImportRefused, match="desconhecido"):
        crs.parse_crs("isto não é um CRS")


def test_esri_prj_of_pt_tm06_is_identified():
    esri = ('PROJCS["ETRS_1989_Portugal_TM06",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",'
            'SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
            'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
            'PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],'
            'PARAMETER["Central_Meridian",-8.13310833333333],PARAMETER["Scale_Factor",1.0],'
            'PARAMETER["Latitude_Of_Origin",39.6682583333333],UNIT["Meter",1.0]]')
    source = crs.resolve(esri, None, "ficheiro .prj")
    assert crs.identify(source.crs) == "EPSG:3763"
    assert crs.plan(source).transformer is None


def test_no_crs_is_refused():
    with pytest.raises(ImportRefused, match="--crs"):
        crs.resolve(None, None, "")
