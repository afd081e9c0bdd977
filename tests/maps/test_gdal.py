"""GDAL (Debian's gdalinfo and gdal_translate) reads the WMTS in both grids and the WMS, and
puts the municipalities where they are."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

# Leiria municipality's inner area (EPSG:3763 and WGS84 corners of the same window).
WINDOW_3763 = (-70000, 20000, -50000, 0)
WINDOW_4326 = (-8.95, 39.92, -8.70, 39.70)


GDAL_ENV: dict[str, str] = {}


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, **GDAL_ENV})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def gdal(tmp_path_factory):
    if not shutil.which("gdal_translate"):
        pytest.fail("gdal-bin is not installed (scripts/setup installs it)")
    # GDAL's WMS driver caches tiles in ./gdalwmscache unless told otherwise
    GDAL_ENV["GDAL_DEFAULT_WMS_CACHE_PATH"] = str(tmp_path_factory.mktemp("gdalwms"))


def wmts(server, layer: str, grid: str) -> str:
    return (f"WMTS:{server.url}/maps/wmts/1.0.0/WMTSCapabilities.xml,"
            f"layer={layer},tilematrixset={grid}")


def land_share(path) -> float:
    """Share of pixels painted with the basemap's land colour (#f4f1ea)."""
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    land = (abs(pixels - np.array([0xF4, 0xF1, 0xEA])).sum(axis=-1) < 12)
    return float(land.mean())


def test_gdalinfo_reads_the_pttm06_wmts(gdal, maps_server):
    info = run("gdalinfo", wmts(maps_server, "mapa_base", "PTTM06"))
    assert "Driver: WMTS" in info and "Portugal TM06" in info
    assert "Pixel Size = (0.062500000000" in info  # level 15 of the project's grid


@pytest.mark.parametrize("grid, window, srs", [
    ("PTTM06", WINDOW_3763, "EPSG:3763"),
    ("GLOBAL_WEBMERCATOR", WINDOW_4326, "EPSG:4326"),
])
def test_gdal_translate_cuts_the_municipality_from_the_wmts(gdal, maps_server, tmp_path, grid,
                                                           window, srs):
    target = tmp_path / f"{grid}.png"
    run("gdal_translate", "-q", "-of", "PNG", "-outsize", "256", "256",
        "-projwin", *map(str, window), "-projwin_srs", srs,
        wmts(maps_server, "mapa_base", grid), str(target))
    assert land_share(target) > 0.6  # inside Leiria: mostly land, drawn in place


def test_gdal_reads_the_wms(gdal, maps_server, tmp_path):
    url = (f"WMS:{maps_server.url}/maps/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap"
           "&LAYERS=mapa_base&CRS=EPSG:3763&BBOX=-70000,0,-50000,20000&FORMAT=image/png")
    info = run("gdalinfo", url)
    assert "Driver: WMS" in info and "Portugal TM06" in info
    target = tmp_path / "wms.png"
    run("gdal_translate", "-q", "-of", "PNG", "-outsize", "256", "256", url, str(target))
    assert land_share(target) > 0.6
