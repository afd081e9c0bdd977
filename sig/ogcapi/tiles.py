"""Vector tiles (MVT) built by PostGIS, in WebMercatorQuad and in the project's PT-TM06 set.

Tile envelopes are computed here; the filter envelope is taken into EPSG:3763 (densified),
so the stored GiST index serves both tile matrix sets. Lines and polygons are simplified
by the theme's `simplify_px` at the tile's resolution before clipping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from psycopg import sql

from sig.crs import STORAGE_SRID
from sig.http import not_found
from sig.ogcapi.collections import Collection, TileLimits
from sig.tilegrid import PIXEL_SIZE_M, PTTM06

EXTENT = 4096
BUFFER = 64
WEB_MERCATOR_HALF = 20037508.342789244
MAX_WEB_MERCATOR_ZOOM = 24
# Metres on the ground per Web Mercator metre around the region (latitude ~39.7°).
GROUND_FACTOR = math.cos(math.radians(39.7))
# PT-TM06 level L draws at about Web Mercator zoom L + PTTM06_ZOOM_OFFSET (same ground size).
PTTM06_ZOOM_OFFSET = math.log2(2 * WEB_MERCATOR_HALF / 256 * GROUND_FACTOR / PTTM06.resolutions[0])


@dataclass(frozen=True)
class TileMatrixSet:
    id: str
    title: str
    srid: int
    crs: str
    uri: str
    levels: int

    def bounds(self, level: int, row: int, col: int) -> tuple[float, float, float, float]:
        raise NotImplementedError

    def matrix_size(self, level: int) -> tuple[int, int]:
        raise NotImplementedError

    def resolution(self, level: int) -> float:
        raise NotImplementedError

    def zoom(self, level: int) -> float:
        """The Web Mercator zoom with the same ground resolution (for zoom limits)."""
        raise NotImplementedError

    def check(self, level: int, row: int, col: int) -> None:
        if not 0 <= level < self.levels:
            raise not_found(f"nível {level} fora do conjunto de matrizes {self.id} "
                            f"(0 a {self.levels - 1})")
        cols, rows = self.matrix_size(level)
        if not (0 <= row < rows and 0 <= col < cols):
            raise not_found(f"tesela {level}/{row}/{col} fora da matriz {self.id} "
                            f"({rows} linhas, {cols} colunas)")


class WebMercatorQuad(TileMatrixSet):
    def bounds(self, level, row, col):
        span = 2 * WEB_MERCATOR_HALF / 2 ** level
        minx = -WEB_MERCATOR_HALF + col * span
        maxy = WEB_MERCATOR_HALF - row * span
        return minx, maxy - span, minx + span, maxy

    def matrix_size(self, level):
        return 2 ** level, 2 ** level

    def resolution(self, level):
        return 2 * WEB_MERCATOR_HALF / 256 / 2 ** level

    def zoom(self, level):
        return float(level)


class PtTm06(TileMatrixSet):
    def bounds(self, level, row, col):
        return PTTM06.tile_bounds(level, row, col)

    def matrix_size(self, level):
        return PTTM06.matrix_size(level)

    def resolution(self, level):
        return PTTM06.resolutions[level]

    def zoom(self, level):
        return level + PTTM06_ZOOM_OFFSET


class WorldCrs84Quad(TileMatrixSet):
    """Longitude/latitude tiles (GDAL's OGC API driver prefers this set)."""

    def bounds(self, level, row, col):
        span = 180.0 / 2 ** level
        minx = -180.0 + col * span
        maxy = 90.0 - row * span
        return minx, maxy - span, minx + span, maxy

    def matrix_size(self, level):
        return 2 ** (level + 1), 2 ** level

    def resolution(self, level):
        return 180.0 / 256 / 2 ** level

    def zoom(self, level):
        return level + 1.0


WEB_MERCATOR_QUAD = WebMercatorQuad(
    "WebMercatorQuad", "Google Maps Compatible for the World", 3857,
    "http://www.opengis.net/def/crs/EPSG/0/3857",
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
    MAX_WEB_MERCATOR_ZOOM + 1)
PT_TM06 = PtTm06(
    PTTM06.id, "PT-TM06 (ETRS89 / Portugal TM06), 256 px, origem (-262144, 300000) m",
    PTTM06.srid, "http://www.opengis.net/def/crs/EPSG/0/3763",
    f"urn:sig-cimrl:tilematrixset:{PTTM06.id}", len(PTTM06.resolutions))
WORLD_CRS84_QUAD = WorldCrs84Quad(
    "WorldCRS84Quad", "CRS84 for the World", 4326,
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/tilematrixset/OGC/1.0/WorldCRS84Quad", 23)
TILE_MATRIX_SETS = {tms.id: tms for tms in (WEB_MERCATOR_QUAD, PT_TM06, WORLD_CRS84_QUAD)}


def get_tms(tms_id: str) -> TileMatrixSet:
    try:
        return TILE_MATRIX_SETS[tms_id]
    except KeyError:
        raise not_found(f"conjunto de matrizes de teselas desconhecido: {tms_id!r} "
                        f"(disponíveis: {', '.join(TILE_MATRIX_SETS)})") from None


def parse_tile(tms: TileMatrixSet, level: str, row: str, col: str) -> tuple[int, int, int]:
    """(level, row, col) as integers inside the matrix set, or a 404."""
    parts = (level, row, col)
    if not all(p.isascii() and p.isdigit() for p in parts) or max(map(len, parts)) > 9:
        raise not_found(f"tesela inválida: {level}/{row}/{col}")
    values = int(level), int(row), int(col)
    tms.check(*values)
    return values


def within_limits(limits: TileLimits | None, tms: TileMatrixSet, level: int) -> bool:
    if limits is None:
        return False
    return limits.min_zoom <= round(tms.zoom(level)) <= limits.max_zoom


def tms_levels(limits: TileLimits, tms: TileMatrixSet) -> list[int]:
    return [level for level in range(tms.levels) if within_limits(limits, tms, level)]


# Bookkeeping columns stay out of tiles (drawing and identifying need the domain attributes;
# the full record is one items request away). Formatting timestamps alone costs a third of a
# dense tile's time.
NOT_IN_TILES = frozenset({"fonte", "fonte_id", "updated_at", "row_version"})


def tile_properties(collection: Collection) -> list[str]:
    return [p.name for p in collection.properties if p.name not in NOT_IN_TILES]


def _mvt_properties(collection: Collection) -> list[sql.Composable]:
    columns = [sql.Identifier(collection.id_column)]
    columns += [sql.Identifier(name) for name in tile_properties(collection)]
    return columns


def _geometry(collection: Collection, tms: TileMatrixSet, tolerance: str) -> sql.Composable:
    geom: sql.Composable = sql.Identifier("geom")
    limits = collection.tiles
    if limits and limits.simplify_px > 0 and collection.geometry_family != "point":
        geom = sql.SQL("ST_Simplify(geom, {}::float8, true)").format(sql.Placeholder(tolerance))
    if tms.srid != STORAGE_SRID:
        geom = sql.SQL("ST_Transform({}, {})").format(geom, sql.Literal(tms.srid))
    return geom


def layer_statement(collection: Collection, tms: TileMatrixSet,
                    tolerance: str = "tol") -> sql.Composable:
    """ST_AsMVT of one collection for one tile (named placeholders: tile and filter envelopes,
    simplification tolerance)."""
    envelope = sql.SQL("ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, {})").format(
        sql.Literal(tms.srid))
    search = sql.SQL("ST_MakeEnvelope(%(sx0)s, %(sy0)s, %(sx1)s, %(sy1)s, {})").format(
        sql.Literal(tms.srid))
    if tms.srid != STORAGE_SRID:
        search = sql.SQL("ST_Transform(ST_Segmentize({}, %(seg)s::float8), {})").format(
            search, sql.Literal(STORAGE_SRID))
    feature_id = sql.Literal("id" if collection.id_type == "integer" else None)
    return sql.SQL(
        "SELECT coalesce(ST_AsMVT(q, {layer}, {extent}, 'geom', {fid}), ''::bytea) FROM ("
        "SELECT {columns}, ST_AsMVTGeom({geom}, {envelope}, {extent}, {buffer}, true) AS geom "
        "FROM {table} WHERE geom && {search}) q"
    ).format(layer=sql.Literal(collection.id), extent=sql.Literal(EXTENT), fid=feature_id,
             columns=sql.SQL(", ").join(_mvt_properties(collection)),
             geom=_geometry(collection, tms, tolerance), envelope=envelope,
             buffer=sql.Literal(BUFFER),
             table=sql.Identifier("public", collection.table), search=search)


# Where the data can be (lon/lat, around EPSG:3763's area of use). Tiles elsewhere are empty
# without a query, and search envelopes are clipped to it: PT-TM06 is a transverse Mercator,
# valid only near Portugal, so a world-sized envelope cannot be taken into it.
REGION_LONLAT = (-12.0, 35.0, -4.0, 44.0)
_regions: dict[int, tuple[float, float, float, float]] = {}


def region(srid: int) -> tuple[float, float, float, float]:
    """REGION_LONLAT in a tile CRS (bounding box of its densified outline)."""
    box = _regions.get(srid)
    if box is None:
        x0, y0, x1, y1 = REGION_LONLAT
        steps = [i / 16 for i in range(17)]
        outline = ([(x0 + (x1 - x0) * t, y0) for t in steps] +
                   [(x0 + (x1 - x0) * t, y1) for t in steps] +
                   [(x0, y0 + (y1 - y0) * t) for t in steps] +
                   [(x1, y0 + (y1 - y0) * t) for t in steps])
        points = _project(srid, outline)
        box = _regions[srid] = (min(p[0] for p in points), min(p[1] for p in points),
                                max(p[0] for p in points), max(p[1] for p in points))
    return box


def tile_params(tms: TileMatrixSet, level: int, row: int, col: int,
                simplify_px: float = 0.0) -> dict | None:
    """Query parameters of one tile, or None when the tile lies outside the region."""
    x0, y0, x1, y1 = tms.bounds(level, row, col)
    margin = (x1 - x0) * BUFFER / EXTENT
    r0, r1, r2, r3 = region(tms.srid)
    sx0, sy0 = max(x0 - margin, r0), max(y0 - margin, r1)
    sx1, sy1 = min(x1 + margin, r2), min(y1 + margin, r3)
    if sx0 >= sx1 or sy0 >= sy1:
        return None
    resolution = tms.resolution(level)
    ground = resolution * {3857: GROUND_FACTOR, 4326: 111_320 * GROUND_FACTOR}.get(tms.srid, 1.0)
    return {"x0": x0, "y0": y0, "x1": x1, "y1": y1, "sx0": sx0, "sy0": sy0, "sx1": sx1,
            "sy1": sy1, "seg": (sx1 - sx0) / 8, "tol": simplify_px * ground}


def multi_layer_statement(collections: list[Collection], tms: TileMatrixSet) -> sql.Composable:
    """All layers of a tile in one statement, concatenated (an MVT is a list of layers)."""
    parts = [sql.SQL("({})").format(layer_statement(c, tms, f"tol{index}"))
             for index, c in enumerate(collections)]
    return sql.SQL("SELECT {}").format(sql.SQL(" || ").join(parts))


METRES_PER_DEGREE = 6378137 * math.pi / 180


def scale_denominator(tms: TileMatrixSet, level: int) -> float:
    metres = METRES_PER_DEGREE if tms.srid == 4326 else 1.0
    return tms.resolution(level) * metres / PIXEL_SIZE_M


def _tile_matrix(tms: TileMatrixSet, level: int) -> dict:
    """One tile matrix in the 2.0 encoding, plus the 1.0 names GDAL 3.6 reads."""
    cols, rows = tms.matrix_size(level)
    x0, _, _, y1 = tms.bounds(level, 0, 0)
    return {
        "id": str(level), "scaleDenominator": scale_denominator(tms, level),
        "cellSize": tms.resolution(level), "cornerOfOrigin": "topLeft",
        "pointOfOrigin": [x0, y1], "tileWidth": 256, "tileHeight": 256,
        "matrixWidth": cols, "matrixHeight": rows,
        "identifier": str(level), "topLeftCorner": [x0, y1],
    }


def tms_document(tms: TileMatrixSet) -> dict:
    """The OGC Two Dimensional Tile Matrix Set JSON encoding: 2.0 (`id`, `crs`, `tileMatrices`
    with `pointOfOrigin`), which current clients read, plus the 1.0 members (`type`,
    `identifier`, `supportedCRS`, `topLeftCorner`) that GDAL ≤ 3.6 needs: it recognises a
    definition only by `"type": "TileMatrixSetType"` and reads just those names."""
    axes = ["Lon", "Lat"] if tms.srid == 4326 else ["E", "N"]
    document = {"id": tms.id, "title": tms.title, "uri": tms.uri, "crs": tms.crs,
                "orderedAxes": axes,
                "tileMatrices": [_tile_matrix(tms, level) for level in range(tms.levels)],
                "type": "TileMatrixSetType", "identifier": tms.id, "supportedCRS": tms.crs}
    if tms.id == WEB_MERCATOR_QUAD.id:
        document["wellKnownScaleSet"] = ("http://www.opengis.net/def/wkss/OGC/1.0/"
                                         "GoogleMapsCompatible")
    if tms.id == WORLD_CRS84_QUAD.id:
        document["wellKnownScaleSet"] = ("http://www.opengis.net/def/wkss/OGC/1.0/"
                                         "GoogleCRS84Quad")
    return document


_transformers: dict[int, object] = {}


def _project(srid: int, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    from pyproj import Transformer

    transformer = _transformers.get(srid)
    if transformer is None:
        transformer = _transformers[srid] = Transformer.from_crs(4326, srid, always_xy=True)
    return [transformer.transform(x, y) for x, y in points]


def tile_range(tms: TileMatrixSet, level: int,
               bbox: list[float] | None) -> tuple[tuple[int, int], tuple[int, int]]:
    """((first row, last row), (first col, last col)) covering a CRS84 bbox at `level`."""
    cols, rows = tms.matrix_size(level)
    if not bbox:
        return (0, rows - 1), (0, cols - 1)
    corners = _project(tms.srid, [(bbox[0], bbox[1]), (bbox[0], bbox[3]), (bbox[2], bbox[1]),
                                  (bbox[2], bbox[3])])
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    left, _, right, top = tms.bounds(level, 0, 0)
    span = right - left

    def clamp(value: float, size: int) -> int:
        return max(0, min(size - 1, math.floor(value)))

    return ((clamp((top - max(ys)) / span, rows), clamp((top - min(ys)) / span, rows)),
            (clamp((min(xs) - left) / span, cols), clamp((max(xs) - left) / span, cols)))
