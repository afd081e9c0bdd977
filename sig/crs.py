"""Coordinate reference systems: the storage CRS and the one table of names a CRS goes by.

The OGC API (`crs`, `bbox-crs`, `filter-crs`), the editing API (`Content-Crs`, `crs`,
`bbox-crs`) and the importer (`--crs`, a file's declared CRS) read CRS names through
`canonical_uri` and `authority_code`; each says which CRSs it accepts and how it refuses the
others. Coordinates are in the axis order of their CRS: EPSG:4326 is latitude, longitude;
CRS84, EPSG:3763 and EPSG:3857 are easting (longitude), northing (latitude).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sig import crsarea

# Every feature is stored in ETRS89 / PT-TM06.
STORAGE_SRID = 3763

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"

# The accepted spellings (case does not matter; `<uri>` as in `Content-Crs` too): the OGC
# URIs (http or https), URNs, CURIEs (`[EPSG:n]`), `EPSG:n`, `OGC:CRS84` and `CRS84`.
# A pattern with a group names an EPSG code; one without names CRS84.
ALIASES = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    r"(?:https?://www\.opengis\.net/def/crs/OGC/1\.3/|urn:ogc:def:crs:OGC:1\.3:)CRS84",
    r"\[?(?:OGC:)?CRS84\]?",
    r"https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)",
    r"\[?EPSG:(\d+)\]?",
    r"urn:ogc:def:crs:EPSG:[0-9.]*:(\d+)",
))


def epsg_uri(code: int) -> str:
    return EPSG_URI.format(code=code)


def _match(value: str) -> re.Match | None:
    text = value.strip().removeprefix("<").removesuffix(">").strip()
    return next(filter(None, (pattern.fullmatch(text) for pattern in ALIASES)), None)


def canonical_uri(value: str) -> str | None:
    """The OGC URI of a CRS name in any accepted spelling; None when it is not one."""
    match = _match(value)
    if match is None:
        return None
    return epsg_uri(int(match.group(1))) if match.groups() else CRS84_URI


def authority_code(value: str) -> str | None:
    """`EPSG:n` or `OGC:CRS84` for a CRS name in any accepted spelling or a bare EPSG number
    (files and downloads; requests name a CRS); None otherwise."""
    if value.strip().isdigit():
        return f"EPSG:{int(value)}"
    match = _match(value)
    if match is None:
        return None
    return f"EPSG:{int(match.group(1))}" if match.groups() else "OGC:CRS84"


@dataclass(frozen=True)
class Crs:
    """A CRS a request may name, as a PostGIS integer SRID."""

    uri: str
    srid: int
    lat_first: bool = False  # swap x/y when writing or reading coordinates
    decimals: int = 2  # GeoJSON coordinate precision (7 decimals ≈ 1 cm in degrees)
    title: str = ""

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


CRS84 = Crs(CRS84_URI, 4326, False, 7, "WGS 84 (longitude, latitude)")
EPSG4326 = Crs(epsg_uri(4326), 4326, True, 7, "WGS 84 (latitude, longitude)")
PTTM06 = Crs(epsg_uri(STORAGE_SRID), STORAGE_SRID, False, 2, "ETRS89 / PT-TM06")
WEB_MERCATOR = Crs(epsg_uri(3857), 3857, False, 2, "WGS 84 / Pseudo-Mercator")
STORAGE = PTTM06


def find(value: str, among: Iterable[Crs]) -> Crs | None:
    """The CRS of `among` that `value` names, in any accepted spelling."""
    uri = canonical_uri(value)
    return next((crs for crs in among if crs.uri == uri), None)
