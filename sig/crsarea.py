"""Areas of use of coordinate reference systems, in the coordinates of a CRS.

Every coordinate a request carries (an OGC API bbox, a CQL2 geometry, an edited geometry) is
checked against the area of use of its CRS (EPSG's, as PROJ knows it) grown by a margin, so no
absurd coordinate reaches PostGIS: a 10^15 m box in Web Mercator, densified every kilometre
before it is transformed, would be a billion vertices.

Bounds are (minx, miny, maxx, maxy) in easting/northing order — longitude/latitude for
geographic CRSs, whatever their axis order on the wire.
"""

from __future__ import annotations

from functools import lru_cache

from pyproj import CRS, Transformer

Bounds = tuple[float, float, float, float]

# Margin around an area of use, as a share of its width and height on each side.
MARGIN = 0.1
WORLD: Bounds = (-180.0, -90.0, 180.0, 90.0)


def _grown(box: Bounds, share: float) -> Bounds:
    dx, dy = (box[2] - box[0]) * share, (box[3] - box[1]) * share
    return box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy


def _clipped(box: Bounds, limits: Bounds) -> Bounds:
    return (max(box[0], limits[0]), max(box[1], limits[1]), min(box[2], limits[2]),
            min(box[3], limits[3]))


@lru_cache(maxsize=32)
def bounds(srid: int, area_of: int | None = None) -> Bounds:
    """The area of use of EPSG:`area_of` (default: of `srid` itself) in EPSG:`srid`
    coordinates, grown by MARGIN (and never past ±180°/±90° in a geographic CRS)."""
    crs = CRS.from_epsg(srid)
    area = CRS.from_epsg(area_of or srid).area_of_use
    lon_lat: Bounds = area.bounds if area is not None else WORLD
    if crs.is_geographic:
        return _clipped(_grown(lon_lat, MARGIN), WORLD)
    box = Transformer.from_crs(4326, crs, always_xy=True).transform_bounds(
        *lon_lat, densify_pts=21)
    return _grown(box, MARGIN)


def contains(outer: Bounds, inner: Bounds) -> bool:
    """True when `inner` lies inside `outer` (False for NaN coordinates)."""
    return (outer[0] <= inner[0] <= inner[2] <= outer[2]
            and outer[1] <= inner[1] <= inner[3] <= outer[3])


def describe(srid: int, area_of: int | None = None) -> str:
    """`bounds(srid, area_of)` as a pt-PT phrase ('longitude de A a B, latitude de C a D')."""
    box = bounds(srid, area_of)
    if CRS.from_epsg(srid).is_geographic:
        x0, y0, x1, y1 = (f"{v:.2f}" for v in box)
        return f"longitude de {x0} a {x1}, latitude de {y0} a {y1}"
    x0, y0, x1, y1 = (f"{v:.0f}" for v in box)
    return f"x de {x0} a {x1} m, y de {y0} a {y1} m"
