"""The CRSs of OGC API Features Part 2 served here, and how a request names them.

Names are read through the project's one table of CRS names (`sig.crs`); an unknown or
unsupported CRS is a 400 naming the parameter. Coordinates a request carries must lie in the
area of use of their CRS (`check_area`).
"""

from __future__ import annotations

from sig import crsarea
from sig.crs import CRS84, EPSG4326, PTTM06, WEB_MERCATOR, Crs, find
from sig.http import bad_request

SUPPORTED = (CRS84, EPSG4326, PTTM06, WEB_MERCATOR)


def parse_crs(value: str | None, parameter: str = "crs", default: Crs = CRS84) -> Crs:
    """The CRS named by a request parameter (URI, CURIE or EPSG:n), or a 400 naming it."""
    if value is None:
        return default
    crs = find(value, SUPPORTED)
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
