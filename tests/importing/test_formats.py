"""Formats and encodings municipalities send: shapefiles in old datums and code pages, CSV
and spreadsheets with coordinates or WKT, KML, DXF, GeoPackage layers; single/multi types."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from tests.importing.conftest import do_import, scalar, write

# Leiria castle (geodesy notes): Datum 73 coordinates and the PT-TM06 reference.
CASTLE_D73 = (-57826.76, 9016.95)
CASTLE_TM06 = (-57826.420, 9015.829)


def stored(fonte: str, theme: str = "equipamentos") -> list[tuple]:
    with_coords = scalar(
        f"SELECT json_agg(json_build_array(fonte_id, ST_X(ST_PointOnSurface(geom)), "
        f"ST_Y(ST_PointOnSurface(geom)), GeometryType(geom)) ORDER BY fonte_id) "
        f'FROM "{theme}" WHERE fonte = %s', fonte)
    return [tuple(r) for r in with_coords or []]


def test_datum73_shapefile_in_cp1252_lands_within_a_centimetre(tmp_path, clean):
    frame = gpd.GeoDataFrame({"NOME": ["Castelo de Leiria — Conceição"], "TIPO": ["cultura"],
                              "ID": [7]}, geometry=[shapely.Point(*CASTLE_D73)], crs=27493)
    write(frame, tmp_path / "castelo.shp", encoding="cp1252")
    assert (tmp_path / "castelo.cpg").read_text().strip().upper() in ("CP1252", "1252")
    result = do_import([tmp_path / "castelo.shp"], "equipamentos", fonte=clean)
    assert result.inserted == 1, result.reasons
    (key, x, y, kind), = stored(clean)
    assert abs(x - CASTLE_TM06[0]) < 0.01 and abs(y - CASTLE_TM06[1]) < 0.01
    assert scalar("SELECT nome FROM equipamentos WHERE fonte = %s", clean) == \
        "Castelo de Leiria — Conceição"
    run = scalar("SELECT row_to_json(r) FROM importing_run r WHERE id = %s", result.run_id)
    assert run["crs"].startswith("EPSG:27493") and run["accuracy_m"] == pytest.approx(0.1)
    assert "Datum 73 to ETRS89 (6)" in run["transformation"] and not run["helmert"]


def test_latin1_shapefile(tmp_path, clean, leiria_points):
    frame = gpd.GeoDataFrame({"nome": ["Junta de São João"], "tipo": ["administração"]},
                             geometry=[leiria_points[0]], crs=3763)
    write(frame, tmp_path / "junta.shp", encoding="latin1")
    result = do_import([tmp_path / "junta.shp"], "equipamentos", fonte=clean)
    assert result.inserted == 1
    assert scalar("SELECT nome || '/' || tipo FROM equipamentos WHERE fonte = %s", clean) == \
        "Junta de São João/administracao"


def test_csv_with_semicolons_decimal_commas_and_cp1252(tmp_path, clean):
    path = tmp_path / "equipamentos.csv"
    text = "Designação;Tipo;Longitude;Latitude\nCastelo;Cultura;-8,8078;39,7475\n"
    path.write_bytes(text.encode("cp1252"))
    profile = tmp_path / "perfil.yml"
    profile.write_text("theme: equipamentos\nfields:\n  nome: {from: Designação}\n")
    result = do_import([path], "equipamentos", crs="EPSG:4326", profile=profile, fonte=clean)
    assert result.inserted == 1, result.reasons
    (key, x, y, kind), = stored(clean)
    assert abs(x - CASTLE_TM06[0]) < 0.01 and abs(y - CASTLE_TM06[1]) < 0.01
    assert key == "equipamentos/1"


def test_spreadsheet_with_wkt(tmp_path, clean, leiria_points):
    path = tmp_path / "vias.xlsx"
    lines = [shapely.LineString([leiria_points[0], leiria_points[1]]),
             shapely.LineString([leiria_points[2], leiria_points[3]])]
    pd.DataFrame({"WKT": [g.wkt for g in lines], "classe": ["EM", "caminho rural"],
                  "nome": ["EM 530", "Caminho do Vale"]}).to_excel(path, index=False)
    profile = tmp_path / "perfil.yml"
    profile.write_text("theme: rede_viaria\nsource: {crs: EPSG:3763}\n"
                       "fields:\n  classificacao: {from: classe, map: {caminho rural: "
                       "caminho_rural}}\n")
    result = do_import([path], "rede_viaria", profile=profile, fonte=clean)
    assert result.inserted == 2, result.reasons
    assert {r[3] for r in stored(clean, "rede_viaria")} == {"MULTILINESTRING"}


def test_kml_points(tmp_path, clean, leiria_points):
    frame = gpd.GeoDataFrame({"Name": ["Piscina"], "tipo": ["desporto"]},
                             geometry=[leiria_points[0]], crs=3763).to_crs(4326)
    path = write(frame, tmp_path / "piscinas.kml", driver="KML")
    profile = tmp_path / "perfil.yml"
    profile.write_text("theme: equipamentos\nfields:\n  nome: {from: Name}\n")
    result = do_import([path], "equipamentos", profile=profile, fonte=clean)
    assert result.inserted == 1, result.reasons
    (key, x, y, kind), = stored(clean)
    assert abs(x - leiria_points[0].x) < 0.01 and abs(y - leiria_points[0].y) < 0.01


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_dxf_lines_need_a_crs(tmp_path, clean, leiria_points):
    frame = gpd.GeoDataFrame(geometry=[shapely.LineString([leiria_points[0], leiria_points[5]])],
                             crs=None)
    path = write(frame, tmp_path / "levantamento.dxf", driver="DXF")
    profile = tmp_path / "perfil.yml"
    profile.write_text("theme: rede_viaria\nfields:\n  classificacao: {value: arruamento}\n")
    from sig.importing.errors import ImportRefused

    with pytest.raises(ImportRefused, match="não indica o sistema de coordenadas"):
        do_import([path], "rede_viaria", profile=profile, fonte=clean)
    result = do_import([path], "rede_viaria", profile=profile, crs="EPSG:3763", fonte=clean)
    assert result.inserted == 1, result.reasons


def test_single_and_multi_parts_are_normalised(tmp_path, clean, leiria_points):
    p = leiria_points
    frame = gpd.GeoDataFrame(
        {"nome": ["um", "dois", "tres"], "tipo": ["saude"] * 3},
        geometry=[p[0], shapely.MultiPoint([p[1]]), shapely.MultiPoint([p[2], p[3]])], crs=3763)
    path = write(frame, tmp_path / "pontos.gpkg", layer="pontos")
    result = do_import([path], "equipamentos", fonte=clean)
    assert (result.inserted, result.quarantined) == (2, 1)
    assert dict(result.reasons) == {
        "geometria com 2 partes; o tema equipamentos só aceita uma": 1}
    assert {r[3] for r in stored(clean)} == {"POINT"}


def test_geopackage_layer_is_chosen(tmp_path, clean, leiria_points):
    path = tmp_path / "dados.gpkg"
    for name, point in (("saude", leiria_points[0]), ("ensino", leiria_points[1])):
        frame = gpd.GeoDataFrame({"nome": [name], "tipo": [name.replace("ensino", "educacao")]},
                                 geometry=[point], crs=3763)
        write(frame, path, layer=name, append=path.exists())
    result = do_import([path], "equipamentos", layers=("ensino",), fonte=clean)
    assert result.inserted == 1
    assert scalar("SELECT tipo FROM equipamentos WHERE fonte = %s", clean) == "educacao"
