"""Spatial and temporal extents computed from the data, cached per collection version."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from sig.ogcapi.collections import Collection
from sig.ogcapi.state import CollectionState

CRS84_BBOX_DECIMALS = 6


@dataclass(frozen=True)
class Extent:
    bbox: list[float] | None  # CRS84 (lon/lat) covering every feature
    interval: list[str | None] | None  # temporal property, ISO 8601


_cache: dict[str, tuple[int, Extent]] = {}
_lock = threading.Lock()


def _statement(collection: Collection) -> sql.Composable:
    time = sql.SQL("NULL::timestamptz, NULL::timestamptz")
    if collection.temporal:
        column = sql.Identifier(collection.temporal)
        time = sql.SQL("min({0}), max({0})").format(column)
    return sql.SQL(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), t0, t1 FROM ("
        "SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(geom)::geometry, 3763), 500), "
        "4326) AS b, {} FROM {}) AS s(b, t0, t1)"
    ).format(time, sql.Identifier("public", collection.table))


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def compute_extent(conn: psycopg.Connection, collection: Collection) -> Extent:
    x0, y0, x1, y1, t0, t1 = conn.execute(_statement(collection)).fetchone()
    bbox = None
    if x0 is not None:
        scale = 10 ** CRS84_BBOX_DECIMALS  # rounded outwards: the box still covers everything
        bbox = [math.floor(x0 * scale) / scale, math.floor(y0 * scale) / scale,
                math.ceil(x1 * scale) / scale, math.ceil(y1 * scale) / scale]
    interval = [_iso(t0), _iso(t1)] if collection.temporal and t0 is not None else None
    return Extent(bbox, interval)


def collection_extent(conn: psycopg.Connection, collection: Collection,
                      state: CollectionState) -> Extent:
    """The extent for the collection's current version (computed once per version)."""
    cached = _cache.get(collection.id)
    if cached and cached[0] == state.version:
        return cached[1]
    extent = compute_extent(conn, collection)
    with _lock:
        _cache[collection.id] = (state.version, extent)
    return extent
