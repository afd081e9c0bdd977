"""Streamed downloads of a theme: GeoJSON and CSV straight from PostgreSQL, GeoPackage and
zipped Shapefile through a file written in batches.

Memory stays bounded by the batch size whatever the number of features: rows come from a
server-side cursor (or COPY), and file formats are appended to disk batch by batch with pyogrio.
A built file is kept in `var/cache/dados/` under the data signature, so the next download of the
same data is served from disk at once. Every read runs as `sig_reader`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psycopg
import pyogrio.raw
from psycopg import sql

from sig.conf import get_settings
from sig.db.connect import connect_as
from sig.opendata import publisher
from sig.opendata.exports import DECIMALS, Column, Download, columns

log = logging.getLogger(__name__)
logging.getLogger("pyogrio").setLevel(logging.WARNING)  # one line per batch otherwise

BATCH = 10_000
CHUNK = 1 << 20
# A built GeoPackage/Shapefile is served again while the data signature holds, at most this long.
FILE_MAX_AGE = 3600.0
# Part of the cached files' names: raised when the files are written differently, so that a
# new version of the service does not serve files built by the old one.
FILE_LAYOUT = 2
Progress = Callable[[int], None]


def open_reader() -> psycopg.Connection:
    """A read-only connection as sig_reader, in UTC (raises DatabaseUnavailable)."""
    conn = connect_as("reader", application_name="sig dados")
    conn.read_only = True
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


@contextmanager
def reader_connection() -> Iterator[psycopg.Connection]:
    """`open_reader()`, closed on exit."""
    with open_reader() as conn:
        yield conn


class Stream:
    """Chunks produced from an open connection; `close()` (called by Django when the response
    ends or the client goes away) ends the generator and closes the connection, even if the
    generator never started."""

    def __init__(self, conn: psycopg.Connection, chunks: Iterator[bytes]):
        self.conn, self.chunks = conn, chunks

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        try:
            self.chunks.close()  # type: ignore[attr-defined]
        finally:
            self.conn.close()


def feature_count(download: Download) -> int:
    where, params = download.where_sql()
    with reader_connection() as conn:
        row = conn.execute(f"SELECT count(*) {download.from_sql()} {where}", params).fetchone()
    return int(row[0]) if row else 0


def _fetch_batches(download: Download, select: str, batch: int,
                   conn: psycopg.Connection | None = None) -> Iterator[list[tuple]]:
    """Rows of `SELECT select FROM theme WHERE area ORDER BY id` in batches (server cursor)."""
    where, params = download.where_sql()
    query = f"SELECT {select} {download.from_sql()} {where} ORDER BY t.id"
    with contextlib.ExitStack() as stack:
        conn = conn or stack.enter_context(reader_connection())
        cur = stack.enter_context(conn.cursor(name="sig_download"))
        cur.itersize = batch
        cur.execute(query, params)
        while rows := cur.fetchmany(batch):
            yield rows


# GeoJSON ------------------------------------------------------------------------------------

def _json_property(column: Column) -> str:
    if column.kind == "datetime":
        return f"to_char({column.sql}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    return column.sql


def geojson_select(download: Download) -> str:
    props = ", ".join(f"'{c.name}', {_json_property(c)}" for c in columns(download.theme))
    geometry = f"ST_AsGeoJSON({download.geometry_sql()}, {DECIMALS[download.srid]})::json"
    return (f"json_build_object('type', 'Feature', 'id', t.id, 'geometry', {geometry}, "
            f"'properties', json_build_object({props}))::text")


def _geojson_header(download: Download) -> str:
    crs = ""
    if download.srid != 4326:  # RFC 7946 is WGS 84; other CRSs use the 2008 "crs" member
        crs = (', "crs": {"type": "name", "properties": {"name": '
               f'"urn:ogc:def:crs:EPSG::{download.srid}"}}}}')
    return f'{{"type": "FeatureCollection", "name": "{download.layer_name}"{crs}, "features": [\n'


def stream_geojson(download: Download, batch: int = BATCH,
                   conn: psycopg.Connection | None = None) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection, one feature per line, built inside PostgreSQL."""
    yield _geojson_header(download).encode()
    first = True
    for rows in _fetch_batches(download, geojson_select(download), batch, conn):
        text = ",\n".join(row[0] for row in rows)
        yield (text if first else ",\n" + text).encode()
        first = False
    yield b"\n]}\n"


# CSV ----------------------------------------------------------------------------------------

def _csv_value(column: Column) -> str:
    if column.kind == "datetime":
        return f"to_char({column.sql}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    if column.kind == "boolean":
        return f"{column.sql}::text"
    return column.sql


def csv_select(download: Download) -> str:
    """Attributes, then lat/lon (WGS 84, of the point or a point on the feature), then WKT."""
    values = [f'{_csv_value(c)} AS "{c.name}"' for c in columns(download.theme)]
    point = "t.geom" if download.theme.geometry.value == "Point" else "ST_PointOnSurface(t.geom)"
    wgs84 = f"ST_Transform({point}, 4326)"
    values += [f"round(ST_Y({wgs84})::numeric, 7) AS lat",
               f"round(ST_X({wgs84})::numeric, 7) AS lon",
               f"ST_AsText({download.geometry_sql()}, {DECIMALS[download.srid]}) AS wkt"]
    return ", ".join(values)


def stream_csv(download: Download, conn: psycopg.Connection | None = None) -> Iterator[bytes]:
    """RFC 4180 CSV (UTF-8, header row) written by PostgreSQL's COPY."""
    where, params = download.where_sql()
    query = sql.SQL(f"COPY (SELECT {csv_select(download)} {download.from_sql()} {where} "
                    "ORDER BY t.id) TO STDOUT WITH (FORMAT csv, HEADER true)")
    with contextlib.ExitStack() as stack:
        conn = conn or stack.enter_context(reader_connection())
        cur = stack.enter_context(conn.cursor())
        with cur.copy(query, params or None) as copy:
            pending = bytearray()
            for data in copy:
                pending += data
                if len(pending) >= CHUNK:
                    yield bytes(pending)
                    pending.clear()
            if pending:
                yield bytes(pending)


# GeoPackage and Shapefile -------------------------------------------------------------------

def file_select(download: Download, shapefile: bool) -> str:
    values = []
    for c in columns(download.theme):
        if c.kind == "datetime":
            values.append(f"to_char({c.sql}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" if shapefile
                          else f"({c.sql} AT TIME ZONE 'UTC')")
        else:
            values.append(c.sql)
    return ", ".join([*values, f"ST_AsBinary({download.geometry_sql()})"])


def _array(values: list, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A column as a numpy array plus a null mask where the dtype cannot hold nulls."""
    if kind == "integer":
        mask = np.array([v is None for v in values])
        return np.array([0 if v is None else v for v in values], dtype=np.int64), mask
    if kind == "boolean":
        mask = np.array([v is None for v in values])
        return np.array([bool(v) for v in values], dtype=bool), mask
    if kind == "decimal":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64), None
    if kind == "date":
        return np.array(values, dtype="datetime64[D]"), None
    if kind == "datetime" and not (values and isinstance(values[0], str)):
        return np.array(values, dtype="datetime64[ms]"), None
    return np.array(values, dtype=object), None


def _batch_arrays(rows: list[tuple], cols: list[Column], shapefile: bool):
    fields, masks = [], []
    for index, column in enumerate(cols):
        kind = "text" if shapefile and column.kind == "datetime" else column.kind
        values, mask = _array([row[index] for row in rows], kind)
        fields.append(values)
        masks.append(mask if mask is not None and mask.any() else None)
    geometry = np.array([bytes(row[-1]) for row in rows], dtype=object)
    return geometry, fields, masks


def shapefile_names(cols: list[Column]) -> list[str]:
    """Field names of at most 10 characters, unique (dBase limit)."""
    names: list[str] = []
    for column in cols:
        name = column.name[:10]
        suffix = 1
        while name in names:
            name = f"{column.name[:8]}_{suffix}"
            suffix += 1
        names.append(name)
    return names


def _layer_options(download: Download, shapefile: bool) -> dict:
    if shapefile:
        return {}
    # The spatial index is built once at the end (add_spatial_index): kept up to date while
    # appending batch after batch, it made the GeoPackage four times slower to write.
    return {"IDENTIFIER": download.layer_name, "SPATIAL_INDEX": "NO",
            "DESCRIPTION": f"{download.theme.title.pt}. {publisher.LICENCE_NAME}: "
                           f"{publisher.CREDIT}"}


def add_spatial_index(path: Path, layer: str, column: str = "geom") -> None:
    """Build the R-tree of a GeoPackage layer (GDAL's CreateSpatialIndex, via ogrinfo)."""
    quoted = ", ".join("'" + name.replace("'", "''") + "'" for name in (layer, column))
    subprocess.run(["ogrinfo", "-q", str(path), "-sql", f"SELECT CreateSpatialIndex({quoted})"],
                   check=True, capture_output=True, timeout=3600)


def write_file(download: Download, path: Path, batch: int = BATCH,
               progress: Progress | None = None) -> int:
    """Write the features to a GeoPackage or Shapefile at `path`, batch by batch."""
    shapefile = download.format.key == "shp"
    cols = columns(download.theme)
    names = shapefile_names(cols) if shapefile else [c.name for c in cols]
    driver = "ESRI Shapefile" if shapefile else "GPKG"
    written = 0
    for rows in _fetch_batches(download, file_select(download, shapefile), batch):
        geometry, fields, masks = _batch_arrays(rows, cols, shapefile)
        pyogrio.raw.write(
            str(path), geometry, fields, names, field_mask=masks, layer=download.layer_name,
            driver=driver, geometry_type=download.theme.geometry.value,
            crs=f"EPSG:{download.srid}", encoding="UTF-8" if shapefile else None,
            append=written > 0, layer_options=_layer_options(download, shapefile))
        written += len(rows)
        if progress:
            progress(written)
    if written == 0:
        _write_empty(download, path, names, driver, shapefile)
    if not shapefile:
        add_spatial_index(path, download.layer_name)
    return written


def _write_empty(download: Download, path: Path, names: list[str], driver: str,
                 shapefile: bool) -> None:
    """An empty layer that still has the theme's fields and CRS."""
    cols = columns(download.theme)
    fields = [_array([], "text" if shapefile and c.kind == "datetime" else c.kind)[0]
              for c in cols]
    pyogrio.raw.write(str(path), np.array([], dtype=object), fields, names,
                      layer=download.layer_name, driver=driver,
                      geometry_type=download.theme.geometry.value, crs=f"EPSG:{download.srid}",
                      encoding="UTF-8" if shapefile else None,
                      layer_options=_layer_options(download, shapefile))


def readme_text(download: Download) -> str:
    """LEIA-ME.txt shipped inside the Shapefile ZIP: licence, CRS and field names."""
    cols = columns(download.theme)
    lines = [download.theme.title.pt, "", download.theme.description.pt, "",
             f"Licença: {publisher.LICENCE_NAME} ({publisher.LICENCE_URL})",
             f"Atribuição: {publisher.CREDIT}",
             f"Sistema de coordenadas: EPSG:{download.srid}", "",
             "Campos (nome no Shapefile = nome completo: título):"]
    for short, column in zip(shapefile_names(cols), cols, strict=True):
        lines.append(f"  {short} = {column.name}: {column.title_pt}")
    return "\n".join(lines) + "\n"


def build_file(download: Download, folder: Path, batch: int = BATCH,
               progress: Progress | None = None) -> Path:
    """The finished download file inside `folder` (a GeoPackage or a Shapefile ZIP)."""
    if download.format.key == "gpkg":
        path = folder / download.filename
        write_file(download, path, batch, progress)
        return path
    parts = folder / "shp"
    parts.mkdir()
    write_file(download, parts / f"{download.layer_name}.shp", batch, progress)
    archive = folder / download.filename
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member in sorted(parts.iterdir()):
            zf.write(member, member.name)
        zf.writestr("LEIA-ME.txt", readme_text(download))
    return archive


def scratch_dir() -> Path:
    """A fresh folder for one download under the service's var folder (on disk, not in RAM)."""
    root = get_settings().var_dir / "tmp" / "dados"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="dl-", dir=root))


def cache_dir() -> Path:
    folder = get_settings().var_dir / "cache" / "dados"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def prepared_file(download: Download, signature: str, batch: int = BATCH,
                  progress: Progress | None = None) -> Path:
    """The GeoPackage or Shapefile ZIP of the download for the data at `signature`: reused when
    it exists and is younger than FILE_MAX_AGE, else built in a scratch folder and moved into the
    cache, replacing the older file of the same download (an open reader keeps its copy)."""
    target = cache_dir() / f"{download.filename}.{FILE_LAYOUT}-{signature[:16]}"
    if target.exists() and time.time() - target.stat().st_mtime < FILE_MAX_AGE:
        return target
    folder = scratch_dir()
    try:
        os.replace(build_file(download, folder, batch, progress), target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for old in target.parent.glob(f"{download.filename}.*"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def open_stream(download: Download) -> Stream:
    """GeoJSON or CSV bytes from a connection opened now (errors surface before streaming)."""
    conn = open_reader()
    if download.format.key == "geojson":
        return Stream(conn, stream_geojson(download, conn=conn))
    return Stream(conn, stream_csv(download, conn=conn))
