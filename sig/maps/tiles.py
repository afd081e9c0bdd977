"""Removing cached tiles over an extent, safely beside tiles being rendered.

For each grid and level the extent (EPSG:3763, widened by a margin in pixels for symbols and
labels that reach over tile edges) becomes a range of tiles. Tiles are removed metatile by
metatile while holding MapProxy's own metatile lock: a render that started before the change
finishes and stores its tiles first, and they are then removed; a render that starts after
waits for the lock and reads the database after the commit. File caches (the default) are
walked on disk, so only tiles that exist cost anything, at any zoom level.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("sig.maps.tiles")

# Pixels around a changed geometry whose tiles are stale (symbols up to 64 px, labels).
MARGIN_PX = 128
# Above this many tiles in one level, a cache that cannot be walked is skipped with a warning.
MAX_ENUMERATED = 200_000

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class TileRange:
    level: int
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def count(self) -> int:
        return (self.x1 - self.x0 + 1) * (self.y1 - self.y0 + 1)

    def __contains__(self, coord: tuple[int, int]) -> bool:
        x, y = coord
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def coords(self) -> Iterator[tuple[int, int, int]]:
        for x in range(self.x0, self.x1 + 1):
            for y in range(self.y0, self.y1 + 1):
                yield x, y, self.level


def _clamp(value: int, size: int) -> int:
    return min(max(value, 0), size - 1)


def level_range(grid, bbox: BBox, level: int, margin_px: float) -> TileRange | None:
    """Tiles of `grid` at `level` touching `bbox` (in the grid's SRS) widened by a margin."""
    margin = grid.resolutions[level] * margin_px
    minx, miny, maxx, maxy = bbox[0] - margin, bbox[1] - margin, bbox[2] + margin, bbox[3] + margin
    gminx, gminy, gmaxx, gmaxy = grid.bbox
    if maxx <= gminx or minx >= gmaxx or maxy <= gminy or miny >= gmaxy:
        return None
    ax, ay, _ = grid.tile_coord_for_point(max(minx, gminx), max(miny, gminy), level)
    bx, by, _ = grid.tile_coord_for_point(min(maxx, gmaxx), min(maxy, gmaxy), level)
    cols, rows = grid.grid_sizes[level]
    return TileRange(level, _clamp(min(ax, bx), cols), _clamp(min(ay, by), rows),
                     _clamp(max(ax, bx), cols), _clamp(max(ay, by), rows))


def whole_metatiles(tile_range: TileRange, manager) -> TileRange:
    """The range widened to the metatiles it touches (seeding writes whole metatiles)."""
    if not manager.meta_grid:
        return tile_range
    mx, my = manager.meta_grid.meta_size
    cols, rows = manager.grid.grid_sizes[tile_range.level]
    return TileRange(tile_range.level, tile_range.x0 // mx * mx, tile_range.y0 // my * my,
                     _clamp((tile_range.x1 // mx + 1) * mx - 1, cols),
                     _clamp((tile_range.y1 // my + 1) * my - 1, rows))


def grid_bbox(bbox: BBox, srid: int, grid) -> BBox:
    from mapproxy.srs import SRS

    source = SRS(srid)
    if source == grid.srs:
        return bbox
    return source.transform_bbox_to(grid.srs, bbox, with_points=4)


def walkable(cache) -> bool:
    """A file cache in the `tms` layout (level/x/y.ext), whose tiles can be listed."""
    location = getattr(cache, "_tile_location", None)
    return location is not None and location.__name__ == "tile_location_tms"


def _int_entries(folder: Path, low: int, high: int) -> Iterator[tuple[int, os.DirEntry]]:
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        stem = entry.name.split(".", 1)[0]
        if stem.isdigit() and low <= int(stem) <= high:
            yield int(stem), entry


def cached_coords(cache, tile_range: TileRange) -> Iterator[tuple[int, int, int]]:
    """Coordinates of the tiles of `tile_range` present in a walkable file cache."""
    from mapproxy.cache.tile import Tile

    sample = Path(cache.tile_location(Tile((tile_range.x0, tile_range.y0, tile_range.level))))
    level_dir = sample.parent.parent
    for x, column in _int_entries(level_dir, tile_range.x0, tile_range.x1):
        for y, _entry in _int_entries(Path(column.path), tile_range.y0, tile_range.y1):
            yield x, y, tile_range.level


def candidate_coords(manager, tile_range: TileRange) -> Iterable[tuple[int, int, int]]:
    if walkable(manager.cache):
        return cached_coords(manager.cache, tile_range)
    if tile_range.count > MAX_ENUMERATED:
        log.warning("nível %s: %s teselas a verificar em %s; passo à frente (limpe a cache "
                    "com `sig seed --limpar`)", tile_range.level, tile_range.count,
                    manager.identifier)
        return []
    return tile_range.coords()


def remove_locked(manager, coords: Iterable[tuple[int, int, int]]) -> int:
    """Remove tiles metatile by metatile under MapProxy's metatile lock; returns the count."""
    from mapproxy.cache.tile import Tile

    groups: dict[tuple, list] = defaultdict(list)
    for coord in coords:
        main = manager.meta_grid.main_tile(coord) if manager.meta_grid else coord
        groups[main].append(coord)
    for main, members in groups.items():
        with manager.lock(Tile(main)):
            manager.remove_tile_coords(members)
    return sum(len(members) for members in groups.values())


def clear_extent(manager, bbox: BBox, srid: int = 3763, margin_px: float = MARGIN_PX,
                 metatiles: bool = False) -> int:
    """Remove the cached tiles of one tile manager over `bbox`; returns how many were found.

    `metatiles`: also the other tiles of every metatile touched (an area cleared for good).
    """
    grid = manager.grid
    box = grid_bbox(bbox, srid, grid)
    removed = 0
    with manager.session():
        for level in range(grid.levels):
            tile_range = level_range(grid, box, level, margin_px)
            if tile_range is None:
                continue
            if metatiles:
                tile_range = whole_metatiles(tile_range, manager)
            removed += remove_locked(manager, candidate_coords(manager, tile_range))
    return removed


def clear_all(manager) -> bool:
    """Remove every cached tile of one tile manager; False when the backend cannot."""
    cache = manager.cache
    if walkable(cache):
        shutil.rmtree(cache.cache_dir, ignore_errors=True)
        return True
    if callable(getattr(cache, "remove_level_tiles_before", None)):  # GeoPackage, MBTiles
        for level in range(manager.grid.levels):
            cache.remove_level_tiles_before(level, remove_all=True)
        return True
    log.warning("a cache %s não permite apagar tudo de uma vez", manager.identifier)
    return False


def tile_managers(proxy_conf, cache_name: str) -> list:
    """MapProxy tile managers (one per grid) of a cache in a loaded configuration."""
    return [manager for _grid, _extent, manager in proxy_conf.caches[cache_name].caches()]
