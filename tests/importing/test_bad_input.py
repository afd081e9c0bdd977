"""Bad input gets a clear pt-PT error that names the problem, and nothing is written."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest

from sig.importing.errors import ImportRefused
from tests.conftest import shared
from tests.importing.conftest import do_import, environment, run_count, theme_count, write


def points_geojson(path: Path, points, **columns) -> Path:
    frame = gpd.GeoDataFrame({"nome": [f"p{i}" for i in range(len(points))], **columns},
                             geometry=list(points), crs=3763)
    return write(frame, path, driver="GeoJSON")


def not_spatial(tmp: Path, pts) -> dict:
    path = tmp / "dados.gpkg"
    path.write_text("isto não é um GeoPackage\n" * 20)
    return {"sources": [path]}


def corrupt_zip(tmp: Path, pts) -> dict:
    path = tmp / "dados.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    return {"sources": [path]}


def encrypted_zip(tmp: Path, pts) -> dict:
    path = tmp / "cifrado.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pontos.geojson", points_geojson(tmp / "p.geojson", pts).read_text())
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1  # "encrypted" flag, as a password-protected zip has
    path.write_bytes(bytes(data))
    return {"sources": [path]}


def zip_with_parent(tmp: Path, pts) -> dict:
    path = tmp / "fuga.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../fora.geojson", points_geojson(tmp / "p.geojson", pts).read_text())
    return {"sources": [path]}


def zip_with_absolute(tmp: Path, pts) -> dict:
    path = tmp / "absoluto.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("/tmp/fora.geojson"), "{}")
    return {"sources": [path]}


def zip_bomb(tmp: Path, pts) -> dict:
    path = tmp / "bomba.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("grande.csv", b"0" * (3 * 1024 * 1024))
    return {"sources": [path], "env": {"SIG_IMPORT_MAX_UNZIPPED_MB": "1"}}


def shapefile_without(suffix: str):
    def build(tmp: Path, pts) -> dict:
        frame = gpd.GeoDataFrame({"nome": ["a"]}, geometry=[pts[0]], crs=3763)
        shp = write(frame, tmp / "pontos.shp")
        shp.with_suffix(suffix).unlink()
        return {"sources": [shp]}
    return build


def csv_without_crs(tmp: Path, pts) -> dict:
    path = tmp / "pontos.csv"
    path.write_text("nome;x;y\n" + "".join(f"p{i};{p.x};{p.y}\n" for i, p in enumerate(pts)))
    return {"sources": [path]}


def unknown_epsg(tmp: Path, pts) -> dict:
    return {"sources": [points_geojson(tmp / "p.geojson", pts)], "crs": "EPSG:99999"}


def empty_file(tmp: Path, pts) -> dict:
    path = tmp / "vazio.geojson"
    path.write_bytes(b"")
    return {"sources": [path]}


def no_features(tmp: Path, pts) -> dict:
    path = tmp / "sem.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    return {"sources": [path]}


def wrong_geometry_type(tmp: Path, pts) -> dict:
    return {"sources": [points_geojson(tmp / "p.geojson", pts)], "theme": "rede_viaria"}


def unknown_municipality(tmp: Path, pts) -> dict:
    return {"sources": [points_geojson(tmp / "p.geojson", pts)], "municipios": ("1506",)}


def unknown_theme(tmp: Path, pts) -> dict:
    return {"sources": [points_geojson(tmp / "p.geojson", pts)], "theme": "parques"}


def profile_with_unknown_code(tmp: Path, pts) -> dict:
    profile = tmp / "perfil.yml"
    profile.write_text("theme: equipamentos\nfields:\n  tipo: {from: nome, map: {p0: tribunal}}")
    return {"sources": [points_geojson(tmp / "p.geojson", pts)], "profile": profile}


def too_large(tmp: Path, pts) -> dict:
    return {"sources": [shared("condicionantes_tomar", "tomar_ren.geojson")],
            "env": {"SIG_IMPORT_MAX_FILE_MB": "1"}, "theme": "condicionantes"}


def several_layers(tmp: Path, pts) -> dict:
    return {"sources": [shared("pdm_moita", "PDM_1506_Moita_modelo_dgt.gpkg")],
            "theme": "ordenamento"}


def not_data(tmp: Path, pts) -> dict:
    path = tmp / "leia-me.txt"
    path.write_text("nada aqui")
    return {"sources": [path]}


CASES = {
    "not spatial": (not_spatial, "não é um ficheiro geográfico reconhecido: dados.gpkg"),
    "not a data file": (not_data, "não é um ficheiro geográfico reconhecido: leia-me.txt"),
    "corrupt zip": (corrupt_zip, "dados.zip: zip corrompido"),
    "encrypted zip": (encrypted_zip, "cifrado.zip: zip cifrado"),
    "zip entry with ..": (zip_with_parent, "entrada perigosa no zip ('../../fora.geojson')"),
    "zip entry absolute": (zip_with_absolute, "entrada perigosa no zip ('/tmp/fora.geojson')"),
    "zip past size limit": (zip_bomb, "o zip expande para mais de 1 MB"),
    "shapefile without .shx": (shapefile_without(".shx"), "pontos.shp sem .shx"),
    "shapefile without .dbf": (shapefile_without(".dbf"), "pontos.shp sem .dbf"),
    "no CRS and no --crs": (csv_without_crs, "não indica o sistema de coordenadas"),
    "unknown EPSG": (unknown_epsg, "sistema de coordenadas desconhecido: EPSG:99999"),
    "empty file": (empty_file, "ficheiro vazio: vazio.geojson"),
    "no features": (no_features, "as fontes não têm elementos"),
    "wrong geometry type": (wrong_geometry_type,
                            "nenhuma camada com geometria do tipo do tema rede_viaria"),
    "unknown municipality": (unknown_municipality, "município desconhecido ou não servido: 1506"),
    "unknown theme": (unknown_theme, "tema desconhecido: parques"),
    "profile maps to unknown code": (profile_with_unknown_code,
                                     "fields.tipo.map.p0: 'tribunal' não é um código da lista"),
    "file larger than limit": (too_large, "tomar_ren.geojson tem 1 MB, mais do que o limite"),
    "several candidate layers": (several_layers, "escolha com --layer"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_and_writes_nothing(case, tmp_path, clean, leiria_points):
    build, expected = CASES[case]
    spec = build(tmp_path, leiria_points[:3])
    theme = spec.pop("theme", "equipamentos")
    env = spec.pop("env", {})
    runs_before, rows_before = run_count(), theme_count("equipamentos")
    with environment(**env), pytest.raises(ImportRefused) as refused:
        do_import(spec.pop("sources"), theme, spec.pop("municipios", ("1009",)), **spec)
    assert expected in str(refused.value)
    assert run_count() == runs_before
    assert theme_count("equipamentos") == rows_before


def test_every_feature_of_the_wrong_type_is_refused_after_reading(tmp_path, clean):
    path = tmp_path / "colecoes.geojson"
    features = [{"type": "Feature", "properties": {"n": i}, "geometry": {
        "type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [-8.80 + i / 1000, 39.74]}]}} for i in range(3)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    before = theme_count("ordenamento")
    with pytest.raises(ImportRefused, match="todos os 3 elementos têm geometria de outro tipo"):
        do_import([path], "ordenamento", fonte=clean)
    assert theme_count("ordenamento") == before
    from tests.importing.conftest import scalar
    run = scalar("SELECT id FROM importing_run WHERE fonte = %s ORDER BY id DESC", clean)
    assert scalar("SELECT status FROM importing_run WHERE id = %s", run) == "recusada"
    assert scalar("SELECT count(*) FROM importing_quarantine WHERE run_id = %s", run) == 0


def test_editor_cannot_import_into_another_municipality(tmp_path, clean, editor_login,
                                                       leiria_points):
    source = points_geojson(tmp_path / "p.geojson", leiria_points[:2],
                            tipo=["saude", "saude"])
    runs_before = run_count()
    with pytest.raises(ImportRefused, match="teste_qgis_1009 não pode editar o município 1010"):
        do_import([source], "equipamentos", ("1010",), login=editor_login, fonte=clean)
    with pytest.raises(ImportRefused, match="ana não pode editar o município 1010"):
        _app_user_for_1009_declaring_1010(source, clean)
    assert run_count() == runs_before
    assert theme_count("equipamentos", clean) == 0


def _app_user_for_1009_declaring_1010(source: Path, fonte: str):
    from sig.importing.pipeline import Actor, ImportRequest, run_import

    request = ImportRequest([str(source)], "equipamentos", ("1010",), fonte=fonte)
    return run_import(request, Actor("ana", ("1009",)))


def test_bad_coordinates_are_quarantined_not_fatal(tmp_path, clean):
    path = tmp_path / "coords.csv"
    path.write_text("nome;tipo;lon;lat\nbom;saude;-8.8078;39.7475\nmau;saude;abc;39,74\n")
    result = do_import([path], "equipamentos", crs="EPSG:4326", fonte=clean)
    assert (result.read, result.inserted, result.quarantined) == (2, 1, 1)
    from tests.importing.conftest import scalar
    reasons = scalar("SELECT reasons FROM importing_quarantine WHERE run_id = %s",
                     result.run_id)
    assert reasons == ["coordenadas em falta ou inválidas (lon='abc', lat='39,74')"]
