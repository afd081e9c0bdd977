"""The served territory as the open-data pages need it: names and extents.

CAOP changes about once a year: results are kept in the process for TERRITORY_TTL seconds
(empty results are not kept, so a process started before `sig load-caop` catches up).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sig.conf import get_settings
from sig.opendata.downloads import reader_connection

CIMRL_NAME = "CIM Região de Leiria"
TERRITORY_TTL = 600.0
T = TypeVar("T")


def kept_for(seconds: float) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Keep a function's non-empty results per arguments for `seconds` (thread-safe)."""

    def wrap(function: Callable[..., T]) -> Callable[..., T]:
        store: dict[tuple, tuple[float, T]] = {}
        lock = threading.Lock()

        @functools.wraps(function)
        def inner(*args: Any) -> T:
            with lock:
                hit = store.get(args)
            if hit and time.monotonic() - hit[0] < seconds:
                return hit[1]
            value = function(*args)
            if any(value) if isinstance(value, tuple) else value:
                with lock:
                    store[args] = (time.monotonic(), value)
            return value

        inner.cache_clear = store.clear  # type: ignore[attr-defined]
        return inner

    return wrap


@dataclass(frozen=True)
class Area:
    """A municipality (or the whole CIM): code, name and WGS 84 extent."""

    code: str
    nome: str
    bbox: tuple[float, float, float, float]

    def wkt(self) -> str:
        x0, y0, x1, y1 = self.bbox
        return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def _bbox(row: tuple) -> tuple[float, float, float, float]:
    return tuple(round(float(v), 5) for v in row)  # type: ignore[return-value]


@kept_for(TERRITORY_TTL)
def areas() -> list[Area]:
    """The CIM first, then each served municipality that is loaded, by DICO."""
    served = list(get_settings().municipios)
    query = ("SELECT dico, nome, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
             "(SELECT dico, nome, ST_Transform(ST_Envelope(geom), 4326) e FROM municipio "
             "WHERE dico = ANY(%s)) m ORDER BY dico")
    with reader_connection() as conn:
        rows = conn.execute(query, (served,)).fetchall()
    found = [Area(r[0], r[1], _bbox(r[2:])) for r in rows]
    if not found:
        return []
    whole = (min(a.bbox[0] for a in found), min(a.bbox[1] for a in found),
             max(a.bbox[2] for a in found), max(a.bbox[3] for a in found))
    return [Area("cimrl", CIMRL_NAME, whole), *found]
