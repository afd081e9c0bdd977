"""Real clients against the running service: GDAL (pyogrio: OAPIF and OGC API Tiles), Debian's
ogr2ogr (OAPIF to GeoPackage) and OWSLib (landing, conformance, paging, CQL2)."""

from __future__ import annotations

import subprocess

import pyogrio
import pytest
from owslib.ogcapi.features import Features


def db_count(reader, table: str, where: str = "TRUE") -> int:
    return reader.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def test_gdal_oapif_reads_in_the_storage_crs_by_default(server, reader):
    frame = pyogrio.read_dataframe(f"OAPIF:{server.api}/collections/equipamentos")
    assert len(frame) == db_count(reader, "equipamentos")
    assert frame.crs.to_epsg() == 3763  # GDAL asks for the storageCrs
    first = frame.sort_values("fonte_id").iloc[0]
    x, y = reader.execute("SELECT ST_X(geom), ST_Y(geom) FROM equipamentos WHERE fonte_id = %s",
                          (first["fonte_id"],)).fetchone()
    assert (first.geometry.x, first.geometry.y) == pytest.approx((x, y), abs=0.01)


def test_gdal_oapif_with_a_requested_crs(server, reader):
    frame = pyogrio.read_dataframe(f"OAPIF:{server.api}/collections/municipios", CRS="EPSG:4326")
    assert len(frame) == db_count(reader, "municipio")
    assert frame.crs.is_geographic and "WGS 84" in frame.crs.name
    leiria = frame[frame["nome"] == "Leiria"].geometry.iloc[0].centroid
    assert -9.0 < leiria.x < -8.6 and 39.6 < leiria.y < 39.9  # lon/lat after GDAL's axis swap


def test_gdal_ogc_api_tiles_driver_opens_a_tileset(server, reader):
    url = f"OGCAPI:{server.api}/collections/iluminacao_publica"
    layers = pyogrio.list_layers(url)
    assert len(layers) == 6  # one per zoom level inside the theme's limits
    bbox = reader.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ("
                          "SELECT ST_Transform(geom, 4326) e FROM municipio WHERE dico = '1009')"
                          " m").fetchone()
    frame = pyogrio.read_dataframe(url, layer=layers[0][0], bbox=bbox)
    assert len(frame) > 0 and {"estado", "municipio"} <= set(frame.columns)
    assert set(frame["municipio"]) <= set(
        r[0] for r in reader.execute("SELECT dico FROM municipio"))


def test_debian_ogr2ogr_copies_a_collection_to_geopackage(server, reader, tmp_path):
    target = tmp_path / "rede_viaria.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{server.api}/collections/"
                    "rede_viaria", "-oo", "PAGE_SIZE=1000"], check=True, timeout=300,
                   capture_output=True)
    info = pyogrio.read_info(target)
    assert info["features"] == db_count(reader, "rede_viaria")
    assert info["geometry_type"] in ("MultiLineString", "LineString")


def test_owslib_landing_conformance_paging_and_cql2(server, reader):
    api = Features(server.api)
    assert any(link["rel"] == "service-desc" for link in api.links)
    classes = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in classes
    total = db_count(reader, "residuos", "municipio = '1010'")
    seen, offset = [], 0
    while True:
        page = api.collection_items("residuos", limit=37, offset=offset, municipio="1010")
        assert page["numberMatched"] == total
        seen += [feature["id"] for feature in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 37
    assert sorted(seen) == sorted(set(seen)) and len(seen) == total
    chosen = api.collection_items("equipamentos", limit=1000, filter="tipo = 'saude' AND "
                                  "municipio IN ('1009', '1010')", **{"filter-lang": "cql2-text"})
    assert chosen["numberReturned"] == db_count(
        reader, "equipamentos", "tipo = 'saude' AND municipio IN ('1009', '1010')")
    queryables = api.collection_queryables("equipamentos")
    assert "tipo" in queryables["properties"]
