"""Coordinate reference systems of OGC API Features Part 2, as PostGIS integer SRIDs.

Coordinates are written in the axis order of the CRS: EPSG:4326 is latitude, longitude;
CRS84, EPSG:3763 and EPSG:3857 are easting (longitude), northing (latitude). Coordinates a
request carries must lie in the area of use of their CRS (`check_area`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sig import crsarea
from sig.ogcapi.errors import bad_request

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    lat_first: bool  # swap x/y when writing or reading coordinates
    decimals: int  # GeoJSON coordinate precision (7 decimals ≈ 1 cm in degrees)
    title: str

    @property
    def header(self) -> str:
        """Value of the Content-Crs header."""
        return f"<{self.uri}>"

    def contains(self, box: crsarea.Bounds) -> bool:
        """True when `box` (minx, miny, maxx, maxy; easting first) lies in the area of use."""
        return crsarea.contains(crsarea.bounds(self.srid), box)

    def area_text(self) -> str:
        """The accepted area, in pt-PT, for error messages."""
        return f"{self.title}: {crsarea.describe(self.srid)}"


def _epsg(code: int) -> str:
    return f"http://www.opengis.net/def/crs/EPSG/0/{code}"


CRS84 = Crs(CRS84_URI, 4326, False, 7, "WGS 84 (longitude, latitude)")
EPSG4326 = Crs(_epsg(4326), 4326, True, 7, "WGS 84 (latitude, longitude)")
PTTM06 = Crs(_epsg(3763), 3763, False, 2, "ETRS89 / PT-TM06")
WEB_MERCATOR = Crs(_epsg(3857), 3857, False, 2, "WGS 84 / Pseudo-Mercator")

SUPPORTED = (CRS84, EPSG4326, PTTM06, WEB_MERCATOR)
STORAGE = PTTM06
_BY_URI = {crs.uri: crs for crs in SUPPORTED}

_ALIASES = (
    (re.compile(r"^https?://www\.opengis\.net/def/crs/OGC/1\.3/CRS84$"), CRS84_URI),
    (re.compile(r"^\[?OGC:CRS84\]?$", re.I), CRS84_URI),
    (re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$"), None),
    (re.compile(r"^\[?EPSG:(\d+)\]?$", re.I), None),
    (re.compile(r"^urn:ogc:def:crs:EPSG:[0-9.]*:(\d+)$", re.I), None),
)


def _canonical(value: str) -> str | None:
    for pattern, uri in _ALIASES:
        match = pattern.match(value)
        if match:
            return uri or _epsg(int(match.group(1)))
    return None


def parse_crs(value: str | None, parameter: str = "crs", default: Crs = CRS84) -> Crs:
    """The CRS named by a request parameter (URI, CURIE or EPSG:n), or a 400 naming it."""
    if value is None:
        return default
    uri = _canonical(value.strip())
    crs = _BY_URI.get(uri or "")
    if crs is None:
        names = ", ".join(c.uri for c in SUPPORTED)
        raise bad_request(f"{parameter}: sistema de coordenadas não suportado: {value!r} "
                          f"(suportados: {names})")
    return crs


def check_area(crs: Crs, box: crsarea.Bounds, parameter: str) -> None:
    """A 400 naming `parameter` when `box` leaves the area of use of `crs`."""
    if not crs.contains(box):
        raise bad_request(f"{parameter}: coordenadas fora da área de uso do sistema de "
                          f"coordenadas ({crs.area_text()})")


def crs_uris() -> list[str]:
    return [crs.uri for crs in SUPPORTED]
