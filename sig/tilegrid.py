"""The project's PT-TM06 tile matrix set, defined once for vector tiles and rendered maps.

EPSG:3763, 256 px tiles, top-left origin (-262144, 300000) m; level 0 has 2048 m per pixel
(one tile spans 524 288 m, so mainland Portugal fits in 1 column x 2 rows) and each level
halves the resolution, down to level 15 (0.0625 m per pixel).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyproj import CRS

# Standardized rendering pixel size (OGC 2D Tile Matrix Set): 0.28 mm.
PIXEL_SIZE_M = 0.00028
# Where the service's data lies (mainland Portugal in EPSG:3763): the rendered maps' extent,
# a default view only.
MAINLAND_EXTENT = (-120000.0, -300000.0, 165000.0, 280000.0)


@dataclass(frozen=True)
class TileGrid:
    id: str
    srid: int
    origin_x: float
    origin_y: float
    tile_size: int
    resolutions: tuple[float, ...]
    bbox: tuple[float, float, float, float]

    def scale_denominator(self, level: int) -> float:
        return self.resolutions[level] / PIXEL_SIZE_M

    def tile_span(self, level: int) -> float:
        return self.resolutions[level] * self.tile_size

    def matrix_size(self, level: int) -> tuple[int, int]:
        """(columns, rows) covering the grid's bbox at `level`."""
        span = self.tile_span(level)
        minx, miny, maxx, maxy = self.bbox
        cols = int(-(-(maxx - minx) // span))
        rows = int(-(-(maxy - miny) // span))
        return cols, rows

    def tile_bounds(self, level: int, row: int, col: int) -> tuple[float, float, float, float]:
        span = self.tile_span(level)
        minx = self.origin_x + col * span
        maxy = self.origin_y - row * span
        return (minx, maxy - span, minx + span, maxy)


PTTM06 = TileGrid(
    id="PTTM06",
    srid=3763,
    origin_x=-262144.0,
    origin_y=300000.0,
    tile_size=256,
    resolutions=tuple(2048.0 / 2 ** level for level in range(16)),
    bbox=(-262144.0, -748576.0, 262144.0, 300000.0),
)


@lru_cache(maxsize=4)
def proj4_definition(srid: int) -> str:
    """PROJ's definition of EPSG:`srid` as a proj4 string, for proj4js in the browser."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "may lose information": not for tmerc
        return CRS.from_epsg(srid).to_proj4()


def browser_config(grid: TileGrid = PTTM06) -> dict[str, Any]:
    """The grid's CRS and tiles as the web map and the editor receive them in their page."""
    return {
        "code": f"EPSG:{grid.srid}", "proj4": proj4_definition(grid.srid),
        "extent": list(grid.bbox), "origin": [grid.origin_x, grid.origin_y],
        "resolutions": list(grid.resolutions), "tileSize": grid.tile_size,
    }
