"""GDAL 3.6 (Debian's command-line tools) and GDAL 3.12 (pyogrio's) on the vector tiles of the
running service: every collection's tileset and the multi-layer tileset, in WebMercatorQuad
and PTTM06.

GDAL 3.6 read tile matrix sets only in the 1.0 JSON encoding ("Destination buffer too small",
"Invalid tiling matrix set name" when given 2.0); the definitions now carry both. Debian's 3.6
OGC API driver was built without its vector-tile reader (its CMake configured `frmts/` before
the GML driver that the reader is conditioned on), so with 3.6 the `OGCAPI:` tests check that
every document is read without an error, and the tiles themselves are read by 3.6's tile
matrix set parser and MVT driver. GDAL 3.12 opens them with `OGCAPI:`.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import pytest
from pyproj import Transformer

from sig.ogcapi.collections import Collection, get_collections
from sig.ogcapi.tiles import TileMatrixSet, get_tms, tile_range, tms_levels

TMS_IDS = ("WebMercatorQuad", "PTTM06")
DATASET = "tiles"  # the multi-layer tileset of every theme
NEAR_ZOOM = 14  # the level read: the one drawn closest to this Web Mercator zoom
GDAL_OF_VECTOR = 0x04


def tiled() -> list[Collection]:
    return [c for c in get_collections().values() if c.tiles is not None]


TILESETS = [c.id for c in tiled()] + [DATASET]


@dataclass(frozen=True)
class Tile:
    level: int
    row: int
    col: int
    bounds: tuple[float, float, float, float]  # in the tile matrix set's CRS


def opened(tileset: str) -> str:
    """The path GDAL's OGC API driver opens: a collection, or the multi-layer tileset list."""
    return "/tiles" if tileset == DATASET else f"/collections/{tileset}"


def tilesets_path(tileset: str) -> str:
    return "/tiles" if tileset == DATASET else f"/collections/{tileset}/tiles"


def known_point(reader, tileset: str) -> tuple[float, float]:
    """Longitude and latitude of a point on one feature of the tileset (a municipality for
    the multi-layer tileset)."""
    table = "municipio" if tileset == DATASET else get_collections()[tileset].table
    return reader.execute(f"SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform("
                          f"ST_PointOnSurface(geom), 4326) p FROM {table} ORDER BY 1 LIMIT 1) q"
                          ).fetchone()


def tile_at(tms: TileMatrixSet, tileset: str, lon: float, lat: float) -> Tile:
    limits = [c.tiles for c in tiled() if tileset in (DATASET, c.id)]
    levels = sorted({level for t in limits for level in tms_levels(t, tms)})
    level = min(levels, key=lambda lv: abs(tms.zoom(lv) - NEAR_ZOOM))
    (row, _), (col, _) = tile_range(tms, level, [lon, lat, lon, lat])
    return Tile(level, row, col, tms.bounds(level, row, col))


def region_box(tms: TileMatrixSet, bbox: list[float]) -> dict[str, float]:
    """GDAL's MINX…MAXY open options: the extent in the tile matrix set's CRS (GDAL would take
    the collection's longitudes and latitudes as metres)."""
    x0, y0, x1, y1 = Transformer.from_crs(4326, tms.srid, always_xy=True).transform_bounds(*bbox)
    return {"MINX": x0, "MINY": y0, "MAXX": x1, "MAXY": y1}


def run(*command: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CPL_DEBUG="ON", GDAL_HTTP_TIMEOUT="60")
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def errors(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines()
            if line.startswith("ERROR")]


# ---- GDAL 3.6: Debian's command-line tools ---------------------------------------------------

def test_debian_gdal_is_3_6():
    assert run("gdalinfo", "--version").stdout.startswith("GDAL 3.6")


@pytest.mark.parametrize("tms_id", TMS_IDS)
@pytest.mark.parametrize("tileset", TILESETS)
def test_gdal36_ogcapi_driver_reads_every_document(server, tileset, tms_id):
    result = run("ogrinfo", "-ro", "-so", "-oo", f"TILEMATRIXSET={tms_id}",
                 f"OGCAPI:{server.api}{opened(tileset)}")
    assert not errors(result), errors(result)
    fetched = re.findall(r"Fetch\((\S+)\)", result.stderr)
    assert f"{server.api}{tilesets_path(tileset)}/{tms_id}" in fetched  # the tileset chosen
    assert fetched[-1] == f"{server.api}/TileMatrixSets/{tms_id}"  # and its definition
    if result.returncode == 0:  # a GDAL 3.6 built with the vector-tile reader
        assert "Layer name: Zoom level" in result.stdout


@pytest.mark.parametrize("tms_id", TMS_IDS)
def test_gdal36_tiles_a_raster_in_the_served_tile_matrix_set(server, tmp_path, tms_id):
    """GDAL 3.6 reads the served definition (COG's TILING_SCHEME takes its URL) and puts a
    raster of Leiria on the service's grid."""
    tms = get_tms(tms_id)
    x, y = Transformer.from_crs(4326, tms.srid, always_xy=True).transform(-8.807, 39.744)
    source, target = tmp_path / "leiria.tif", tmp_path / "cog.tif"
    created = run("gdal_create", "-of", "GTiff", "-outsize", "100", "100", "-a_srs",
                  f"EPSG:{tms.srid}", "-a_ullr", str(x), str(y + 1000), str(x + 1000), str(y),
                  str(source))
    assert created.returncode == 0, created.stderr
    result = run("gdal_translate", "-of", "COG", "-co",
                 f"TILING_SCHEME={server.api}/TileMatrixSets/{tms_id}", str(source), str(target))
    assert result.returncode == 0 and not errors(result), result.stderr
    info = run("gdalinfo", "-json", str(target)).stdout
    origin_x, size_x, _, origin_y, _, size_y = map(float, re.search(
        r'"geoTransform":\s*\[([^\]]+)\]', info).group(1).split(","))
    level = next(lv for lv in range(tms.levels) if abs(tms.resolution(lv) - size_x) < 1e-6)
    left, _, right, top = tms.bounds(level, 0, 0)
    span = right - left
    assert size_y == -size_x
    assert (origin_x - left) / span == pytest.approx(round((origin_x - left) / span))
    assert (top - origin_y) / span == pytest.approx(round((top - origin_y) / span))


@pytest.mark.parametrize("tms_id", TMS_IDS)
@pytest.mark.parametrize("tileset", TILESETS)
def test_gdal36_mvt_driver_reads_the_served_tiles(server, reader, tileset, tms_id):
    tms = get_tms(tms_id)
    tile = tile_at(tms, tileset, *known_point(reader, tileset))
    url = (f"{server.api}{tilesets_path(tileset)}/{tms_id}/{tile.level}/{tile.row}/{tile.col}"
           "?f=mvt")  # the query keeps GDAL from taking the URL for a folder
    x0, _, x1, y1 = tile.bounds
    options = {"X": tile.col, "Y": tile.row, "Z": tile.level, "@GEOREF_TOPX": x0,
               "@GEOREF_TOPY": y1, "@GEOREF_TILEDIMX": x1 - x0, "@GEOREF_TILEDIMY": x1 - x0}
    arguments = [part for key, value in options.items() for part in ("-oo", f"{key}={value}")]
    result = run("ogrinfo", "-ro", "-al", "-so", *arguments, f"MVT:{url}")
    assert result.returncode == 0 and not errors(result), result.stderr
    layers = summaries(result.stdout)
    if tileset != DATASET:
        assert set(layers) == {tileset}
    count, extent = layers["municipios" if tileset == DATASET else tileset]
    assert count > 0
    margin = (x1 - x0) * 64 / 4096 + 1  # the tile buffer
    bx0, by0, bx1, by1 = tile.bounds
    assert bx0 - margin <= extent[0] <= extent[2] <= bx1 + margin
    assert by0 - margin <= extent[1] <= extent[3] <= by1 + margin


def summaries(ogrinfo: str) -> dict[str, tuple[int, tuple[float, ...]]]:
    """Feature count and extent of each layer in `ogrinfo -so` output."""
    found = {}
    for block in ogrinfo.split("Layer name: ")[1:]:
        count = int(re.search(r"Feature Count: (\d+)", block).group(1))
        extent = re.search(r"Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)",
                           block).groups()
        found[block.split()[0]] = (count, tuple(map(float, extent)))
    return found


# ---- GDAL 3.12: pyogrio's --------------------------------------------------------------------

def test_pyogrio_carries_gdal_3_12():
    assert pyogrio.__gdal_version__[:2] == (3, 12)


def _gdal312() -> ctypes.CDLL:
    """pyogrio's GDAL library (already loaded by pyogrio), for what pyogrio does not expose."""
    library = ctypes.CDLL(str(next(Path(pyogrio.__file__).parent.parent.glob(
        "pyogrio.libs/libgdal-*.so*"))))
    library.GDALOpenEx.restype = ctypes.c_void_p
    library.GDALOpenEx.argtypes = [ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p,
                                   ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p]
    library.GDALDatasetGetLayer.restype = ctypes.c_void_p
    library.GDALDatasetGetLayer.argtypes = [ctypes.c_void_p, ctypes.c_int]
    library.GDALDatasetGetLayerCount.argtypes = [ctypes.c_void_p]
    library.OGR_L_GetName.restype = ctypes.c_char_p
    library.OGR_L_GetName.argtypes = [ctypes.c_void_p]
    library.GDALClose.argtypes = [ctypes.c_void_p]
    return library


def layer_names(url: str, options: dict) -> list[str]:
    """Layer names of a dataset opened with open options (pyogrio lists layers without)."""
    gdal = _gdal312()
    pairs = [f"{key}={value}".encode() for key, value in options.items()]
    array = (ctypes.c_char_p * (len(pairs) + 1))(*pairs, None)
    dataset = gdal.GDALOpenEx(url.encode(), GDAL_OF_VECTOR, None, array, None)
    assert dataset, f"GDAL 3.12 did not open {url}"
    try:
        return [gdal.OGR_L_GetName(gdal.GDALDatasetGetLayer(dataset, i)).decode()
                for i in range(gdal.GDALDatasetGetLayerCount(dataset))]
    finally:
        gdal.GDALClose(dataset)


@pytest.mark.parametrize("tms_id", TMS_IDS)
@pytest.mark.parametrize("tileset", TILESETS)
def test_gdal312_opens_every_tileset(server, reader, tileset, tms_id):
    tms = get_tms(tms_id)
    url = f"{server.api}{opened(tileset)}"
    metadata = server.json(f"{tilesets_path(tileset)}/{tms_id}")
    document = server.json(opened(tileset))
    options = {"TILEMATRIXSET": tms_id, **region_box(tms, document["extent"]["spatial"]["bbox"][0])}
    names = layer_names(f"OGCAPI:{url}", options)
    levels = [limit["tileMatrix"] for limit in metadata["tileMatrixSetLimits"]]
    assert names == [f"Zoom level {level}" for level in levels]
    tile = tile_at(tms, tileset, *known_point(reader, tileset))
    inside = 0.01 * (tile.bounds[2] - tile.bounds[0])  # GDAL reads every tile of its extent
    x0, y0, x1, y1 = (tile.bounds[0] + inside, tile.bounds[1] + inside,
                      tile.bounds[2] - inside, tile.bounds[3] - inside)
    frame = pyogrio.read_dataframe(f"OGCAPI:{url}", layer=f"Zoom level {tile.level}",
                                   TILEMATRIXSET=tms_id, MINX=x0, MINY=y0, MAXX=x1, MAXY=y1)
    assert len(frame) > 0 and not frame.geometry.is_empty.any()
    # GDAL reads the first layer of each tile (in the multi-layer tiles, the municipalities)
    # and takes the fields of the first tile it samples with data (none when it finds none)
    collection = get_collections()["municipios" if tileset == DATASET else tileset]
    fields = set(frame.columns) - {"mvt_id", "geometry"}
    assert fields <= {collection.id_column, *collection.property_names}
