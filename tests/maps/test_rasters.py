"""`sig import-raster`: GeoTIFF → COG in EPSG:3763 with overviews, hillshade for a DEM,
registered for the OGC API, drawn by MapServer and served by MapProxy; bad files leave
nothing behind."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import numpy as np
import pytest
import rasterio
from PIL import Image

from sig.conf import BASE_DIR
from tests.maps.conftest import write_dem, write_orthophoto

WMS = ("/maps/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&CRS=EPSG:3763"
       "&FORMAT=image/png")


def sig(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sig.cli", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def imported(maps_server, maps_env, tmp_path_factory):
    sources = tmp_path_factory.mktemp("raster-sources")
    write_dem(sources / "dem.tif")
    write_orthophoto(sources / "orto.tif")
    for name, path in (("mdt_teste", "dem.tif"), ("orto_teste", "orto.tif")):
        done = sig(maps_env, "import-raster", str(sources / path), "--nome", name)
        assert done.returncode == 0, done.stderr
    return maps_server.folders["SIG_RASTER_DIR"]


def test_the_dem_becomes_a_cog_in_pttm06_with_overviews_and_a_hillshade(imported):
    with rasterio.open(imported / "mdt_teste.tif") as dem:
        assert dem.crs.to_epsg() == 3763
        assert dem.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert dem.overviews(1), "overviews"
        assert dem.nodata == -9999
        assert 100 < float(dem.read(1, masked=True).mean()) < 400
    with rasterio.open(imported / "mdt_teste_relevo.tif") as relief:
        shade = relief.read(1, masked=True)
        assert relief.dtypes[0] == "uint8" and relief.crs.to_epsg() == 3763
        assert shade.min() < 120 < shade.max()  # lit and shaded slopes


def test_the_registry_lists_them_for_the_ogc_api(imported, reader):
    rows = dict(reader.execute("SELECT nome, ficheiro FROM maps_raster "
                               "WHERE nome IN ('mdt_teste', 'orto_teste')").fetchall())
    assert rows == {"mdt_teste": "mdt_teste.tif", "orto_teste": "orto_teste.tif"}
    kind, relief, low, high = reader.execute(
        "SELECT tipo, ficheiro_relevo, valor_min, valor_max FROM maps_raster "
        "WHERE nome = 'mdt_teste'").fetchone()
    assert kind == "mdt" and relief == "mdt_teste_relevo.tif" and low < high


def wait_for_layer(server, name: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = server.get("/maps/service?SERVICE=WMS&REQUEST=GetCapabilities")[2]
        if f"<Name>{name}</Name>".encode() in body:
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} did not appear in the running service")


def test_the_running_service_serves_the_orthophoto_where_it_lies(imported, maps_server):
    wait_for_layer(maps_server, "orto_teste")
    status, content_type, body = maps_server.get(
        WMS + "&LAYERS=orto_teste&BBOX=-58500,9188,-57988,9700&WIDTH=64&HEIGHT=64")
    assert status == 200 and content_type == "image/png"
    pixels = np.asarray(Image.open(io.BytesIO(body)).convert("RGB")).astype(int)
    left, right = pixels[32, 8], pixels[32, 56]
    assert left[0] > 150 and left[2] < 80  # red half
    assert right[2] > 150 and right[0] < 80  # blue half


def test_the_dem_is_drawn_as_shaded_relief_in_both_grids(imported, maps_server):
    wait_for_layer(maps_server, "mdt_teste")
    status, _, body = maps_server.get(WMS + "&LAYERS=mdt_teste&BBOX=-62000,12000,-56000,18000"
                                      "&WIDTH=128&HEIGHT=128")
    pixels = np.asarray(Image.open(io.BytesIO(body)).convert("RGBA")).astype(int)
    assert status == 200 and pixels[..., 3].min() > 0
    assert pixels[..., :3].std() > 10  # relief, not a flat colour
    status, _, _ = maps_server.get("/maps/wmts/mdt_teste/GLOBAL_WEBMERCATOR/12/1947/1548.png")
    assert status == 200


BAD = {"no CRS": "não tem sistema de coordenadas", "not a raster": "não é um raster legível",
       "bad name": "nome inválido", "taken name": "já é usado por outra camada"}


@pytest.mark.parametrize("case", BAD)
def test_bad_rasters_are_refused_and_leave_nothing(maps_env, maps_folders, tmp_path, case):
    source = tmp_path / "in.tif"
    name = "mau"
    if case == "no CRS":
        with rasterio.open(source, "w", driver="GTiff", width=8, height=8, count=1,
                           dtype="float32") as dst:
            dst.write(np.ones((1, 8, 8), "float32"))
    else:
        write_dem(source, size=16)
    if case == "not a raster":
        source.write_bytes(b"isto nao e um tiff")
    name = {"bad name": "Mau Nome", "taken name": "equipamentos"}.get(case, name)
    before = set(maps_folders["SIG_RASTER_DIR"].glob("*")) \
        if maps_folders["SIG_RASTER_DIR"].exists() else set()
    done = sig(maps_env, "import-raster", str(source), "--nome", name)
    assert done.returncode == 2
    assert done.stderr.startswith("erro: ") and BAD[case] in done.stderr
    after = set(maps_folders["SIG_RASTER_DIR"].glob("*")) \
        if maps_folders["SIG_RASTER_DIR"].exists() else set()
    assert after == before
