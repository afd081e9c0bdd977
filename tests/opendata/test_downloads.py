"""Downloads per theme and municipality: every format opens in GDAL with the right count, CRS
and values; bad requests get a clear pt-PT message."""

from __future__ import annotations

import json
import sqlite3
import zipfile

import pyogrio
import pytest
import shapely
from pyproj import Transformer

from sig.conf import get_settings
from sig.opendata import downloads
from sig.opendata.exports import AREA_ALL, FORMATS, Download, parse_download
from sig.registry import get_registry
from tests.opendata.conftest import body, reader_count

pytestmark = pytest.mark.django_db

TO_WGS84 = Transformer.from_crs(3763, 4326, always_xy=True)
OPEN = {"gpkg": lambda p: str(p), "geojson": lambda p: str(p), "csv": lambda p: str(p),
        "shp": lambda p: f"/vsizip/{p}"}


def _reference(reader, theme: str, dico: str):
    """(id, geometry in 3763) of the first feature of the municipality, straight from SQL."""
    fid, wkb = reader.execute(
        f'SELECT id, ST_AsBinary(geom) FROM public."{theme}" WHERE municipio = %s '
        "ORDER BY id LIMIT 1", (dico,)).fetchone()
    return fid, shapely.from_wkb(bytes(wkb))


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("srid", [3763, 4326])
def test_download_opens_in_gdal_with_the_right_count_crs_and_values(
        demo, client, reader, save, fmt, srid):
    extension = FORMATS[fmt].extension
    url = f"/dados/equipamentos/1009.{extension}" + ("" if srid == 3763 else f"?crs={srid}")
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith(FORMATS[fmt].media_type)
    assert f"equipamentos_1009_{srid}.{extension}" in response["Content-Disposition"]
    path = save(response, f"equipamentos_1009_{srid}.{extension}")
    options = {"X_POSSIBLE_NAMES": "lon", "Y_POSSIBLE_NAMES": "lat"} if fmt == "csv" else {}
    frame = pyogrio.read_dataframe(OPEN[fmt](path), **options)
    assert len(frame) == reader_count(reader, "equipamentos", "1009") > 0
    fid, expected = _reference(reader, "equipamentos", "1009")
    row = frame[frame["id"].astype(int) == fid].iloc[0]
    name = reader.execute("SELECT nome FROM equipamentos WHERE id = %s", (fid,)).fetchone()[0]
    assert row["nome"] == name
    wgs84 = srid == 4326 or fmt == "csv"  # the CSV is read through its lat/lon columns
    if wgs84:
        expected = shapely.transform(expected, TO_WGS84.transform, interleaved=False)
    assert row.geometry.distance(expected) < (1e-6 if wgs84 else 0.01)
    if fmt in ("gpkg", "shp", "geojson"):
        assert pyogrio.read_info(OPEN[fmt](path))["crs"] == f"EPSG:{srid}"


def test_csv_has_wkt_in_the_asked_crs_and_lat_lon(demo, client, reader, save):
    path = save(client.get("/dados/rede_viaria/1010.csv"), "r.csv")
    frame = pyogrio.read_dataframe(str(path), GEOM_POSSIBLE_NAMES="wkt", KEEP_GEOM_COLUMNS="NO")
    assert len(frame) == reader_count(reader, "rede_viaria", "1010")
    assert set(frame.geometry.geom_type) == {"MultiLineString"}
    minx, miny, maxx, maxy = frame.total_bounds  # metres in PT-TM06, not degrees
    assert -130000 < minx < maxx < 0 and -20000 < miny < maxy < 90000
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[-3:] == ["lat", "lon", "wkt"]


def test_whole_cim_polygons_in_geopackage(demo, client, reader, save):
    path = save(client.get("/dados/ordenamento/cimrl.gpkg?crs=EPSG:4326"), "o.gpkg")
    info = pyogrio.read_info(str(path))
    assert info["features"] == reader_count(reader, "ordenamento")
    assert info["geometry_type"] == "MultiPolygon"
    assert info["layer_name"] == "ordenamento"
    xmin, ymin, xmax, ymax = info["total_bounds"]
    assert -9.5 < xmin < xmax < -7.9 and 39.3 < ymin < ymax < 40.3


def test_geopackage_has_a_spatial_index_of_every_feature(demo, client, reader, save):
    path = save(client.get("/dados/moradas/1009.gpkg"), "m.gpkg")
    with sqlite3.connect(path) as db:
        extension = db.execute("SELECT extension_name FROM gpkg_extensions WHERE "
                               "table_name = 'moradas_1009' AND column_name = 'geom'").fetchone()
        indexed = db.execute('SELECT count(*) FROM "rtree_moradas_1009_geom"').fetchone()[0]
    assert extension == ("gpkg_rtree_index",)
    assert indexed == reader_count(reader, "moradas", "1009") > 0


def test_geojson_is_rfc7946_in_wgs84_and_declares_pttm06_otherwise(demo, client):
    wgs84 = json.loads(body(client.get("/dados/residuos/1013.geojson?crs=4326")))
    assert wgs84["type"] == "FeatureCollection" and "crs" not in wgs84
    feature = wgs84["features"][0]
    assert feature["properties"]["municipio"] == "1013"
    assert feature["properties"]["atualizado_em"].endswith("Z")
    pttm06 = json.loads(body(client.get("/dados/residuos/1013.geojson")))
    assert pttm06["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3763"
    assert len(pttm06["features"]) == len(wgs84["features"])


def test_shapefile_zip_has_encoding_readme_and_short_field_names(demo, client, save):
    path = save(client.get("/dados/iluminacao_publica/1004.shp.zip"), "i.shp.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        readme = archive.read("LEIA-ME.txt").decode("utf-8")
        assert archive.read("iluminacao_publica_1004.cpg").decode().strip().upper() == "UTF-8"
    assert {"iluminacao_publica_1004.shp", "iluminacao_publica_1004.dbf",
            "iluminacao_publica_1004.prj"} <= names
    assert "tipo_lumin = tipo_luminaria" in readme and "CC BY 4.0" in readme
    fields = pyogrio.read_info(f"/vsizip/{path}")["fields"]
    assert all(len(name) <= 10 for name in fields)
    assert len(set(fields)) == len(fields)


@pytest.mark.parametrize(("url", "message"), [
    ("/dados/inexistente/1009.gpkg", "tema desconhecido"),
    ("/dados/equipamentos/9999.gpkg", "município desconhecido: 9999"),
    ("/dados/equipamentos/1009.gpkg?crs=EPSG:32629", "sistema de coordenadas não suportado"),
])
def test_bad_requests_name_the_problem(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.content.decode("utf-8")


def test_geojson_streams_in_batches(demo):
    job = parse_download("moradas", AREA_ALL, "geojson", None)
    chunks = list(downloads.stream_geojson(job, batch=100))
    features = json.loads(b"".join(chunks))["features"]
    # header + one chunk per batch of 100 + footer: the rows never sit in memory at once
    assert len(chunks) == 2 + -(-len(features) // 100)
    assert len(features) == downloads.feature_count(job)


def test_an_area_without_features_gives_an_empty_layer_with_the_fields(tmp_path):
    theme = get_registry()["residuos"]
    empty = Download(theme, "1001", 3763, FORMATS["gpkg"])  # not a served municipality
    path = downloads.build_file(empty, tmp_path)
    info = pyogrio.read_info(str(path))
    assert info["features"] == 0
    assert {"fluxo", "capacidade_l", "enterrado", "municipio"} <= set(info["fields"])
    assert info["crs"] == "EPSG:3763"


def test_a_stream_closed_early_releases_its_connection(demo, reader):
    job = parse_download("moradas", AREA_ALL, "geojson", None)
    stream = downloads.open_stream(job)
    assert next(iter(stream)).startswith(b'{"type": "FeatureCollection"')
    stream.close()  # the client went away
    assert stream.conn.closed
    never_started = downloads.open_stream(job)
    never_started.close()
    assert never_started.conn.closed


def test_built_files_are_reused_while_the_data_holds(demo):
    job = parse_download("equipamentos", "1002", "shp", None)
    scratch = get_settings().var_dir / "tmp" / "dados"
    scratch.mkdir(parents=True, exist_ok=True)
    before = set(scratch.iterdir())
    first = downloads.prepared_file(job, "a" * 32)
    stamp = first.stat().st_mtime_ns
    assert downloads.prepared_file(job, "a" * 32).stat().st_mtime_ns == stamp
    second = downloads.prepared_file(job, "b" * 32)  # the data changed
    assert second != first and second.exists() and not first.exists()
    with zipfile.ZipFile(second) as archive:
        assert "LEIA-ME.txt" in archive.namelist()
    assert set(scratch.iterdir()) == before  # nothing left behind
    second.unlink()
