"""Accepted formats and the checks of a file's content before any reader opens it.

Every data file is accepted by its extension only, and only if its content is what the
extension says (a GeoPackage is an SQLite database, a GML file is XML…). Refused with a pt-PT
message naming the problem:

- GDAL virtual formats (VRT, GDALG), whatever their extension: they tell GDAL to read other
  files or URLs;
- XML with a DOCTYPE (external entities read server files or URLs; nested entities expand
  without bound);
- SQLite databases (GeoPackage, SpatiaLite) with virtual tables other than spatial indexes, or
  views that call functions reading files or the network;
- shapefiles whose headers declare more records or bytes than their files hold.

Each OGR format lists the GDAL drivers that may open it (`Format.drivers`); the readers open
the file with those drivers only (`sig.importing.gdalenv`).
"""

from __future__ import annotations

import re
import sqlite3
import struct
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote
from xml.parsers import expat

from sig.importing.errors import ImportRefused

MB = 1024 * 1024
HEAD_BYTES = 4096
XML_PROLOG_LIMIT = MB


@dataclass(frozen=True)
class Format:
    """An accepted file format: its name, the GDAL drivers that read it (none: read in
    Python) and the kinds of content it may have (see `content_kind`)."""

    label: str
    drivers: tuple[str, ...]
    contents: frozenset[str]


FORMATS: dict[str, Format] = {
    ".shp": Format("Shapefile", ("ESRI Shapefile",), frozenset({"shp"})),
    ".gpkg": Format("GeoPackage", ("GPKG",), frozenset({"sqlite"})),
    ".sqlite": Format("SQLite/SpatiaLite", ("SQLite",), frozenset({"sqlite"})),
    ".geojson": Format("GeoJSON", ("GeoJSON",), frozenset({"json"})),
    ".json": Format("GeoJSON ou lista JSON", ("GeoJSON",), frozenset({"json"})),
    ".kml": Format("KML", ("LIBKML", "KML"), frozenset({"xml"})),
    ".kmz": Format("KMZ", (), frozenset({"zip"})),
    ".gml": Format("GML", ("GML",), frozenset({"xml"})),
    ".dxf": Format("DXF", ("DXF",), frozenset({"text", "dxf"})),
    ".fgb": Format("FlatGeobuf", ("FlatGeobuf",), frozenset({"fgb"})),
    ".csv": Format("CSV", (), frozenset({"text"})),
    ".xlsx": Format("XLSX", (), frozenset({"zip"})),
    ".zip": Format("zip", (), frozenset({"zip"})),
}
KIND_LABELS = {"sqlite": "uma base de dados SQLite", "zip": "um arquivo zip",
               "shp": "um shapefile", "fgb": "FlatGeobuf", "dxf": "DXF binário", "xml": "XML",
               "json": "JSON", "text": "texto", "binary": "binário"}
VIRTUAL_KINDS = {"vrt": "VRT", "gdalg": "GDALG"}
VRT_ROOTS = {"OGRVRTDataSource", "VRTDataset"}
VRT_REFUSED = ("é um ficheiro virtual do GDAL ({kind}), que manda ler outros ficheiros ou "
               "endereços; não é aceite: envie os próprios dados (GeoPackage, shapefile, "
               "GeoJSON…)")
# Virtual-table modules an SQLite database may use: spatial indexes, nothing that opens files.
SQLITE_MODULES = {"rtree", "rtree_i32", "virtualspatialindex", "virtualelementary",
                  "virtualknn", "virtualknn2"}
# Functions that read or write files, reach the network or load code (SQLite, SpatiaLite, GDAL).
SQLITE_FORBIDDEN = re.compile(
    r"\b(load_extension|readfile|writefile|edit|fts3_tokenizer|blob(from|to)file|"
    r"xb_(load|store)xml|import\w*|export\w*|gdal_\w+|ogr_\w+|zipfile\w*)\s*\(", re.I)


def suffix_of(path: Path) -> str:
    return path.suffix.lower()


def format_of(path: Path) -> Format | None:
    return FORMATS.get(suffix_of(path))


def accepted() -> str:
    return ", ".join(sorted(FORMATS))


# Content ------------------------------------------------------------------------------------
def _text(head: bytes) -> str | None:
    """The start of a text file (UTF-8, UTF-16 with BOM or a single-byte code page), or None
    for binary content."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace").lstrip("\ufeff")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _binary_kind(head: bytes) -> str | None:
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if head[:4] == b"\x00\x00\x27\x0a":
        return "shp"
    if head[:3] == b"fgb":
        return "fgb"
    if head.startswith(b"AutoCAD Binary DXF"):
        return "dxf"
    return None


def content_kind(path: Path) -> str:
    """What the file holds, from its first bytes: sqlite, zip, shp, fgb, dxf, vrt or gdalg
    (GDAL's virtual formats), xml, json, text or binary."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    kind = _binary_kind(head)
    if kind:
        return kind
    text = _text(head)
    if text is None:
        return "binary"
    text = text.lstrip()
    if text.startswith("<"):
        with path.open("rb") as handle:
            root = xml_head(handle).root
        return "vrt" if root and root.rsplit(":", 1)[-1] in VRT_ROOTS else "xml"
    if text[:1] in ("{", "["):
        return "gdalg" if '"gdal_streamed_alg"' in text else "json"
    return "text"


@dataclass
class XmlHead:
    """The start of an XML document: its root element and whether it declares a DTD."""

    root: str | None = None
    doctype: bool = False
    error: str = ""


class _Stop(Exception):
    pass


def xml_head(stream: BinaryIO, limit: int = XML_PROLOG_LIMIT) -> XmlHead:
    """Parse up to the root element only (entities are never expanded: parsing stops at the
    DOCTYPE)."""
    head, parser = XmlHead(), expat.ParserCreate()

    def doctype(*_args) -> None:
        head.doctype = True
        raise _Stop

    def start(name: str, _attrs) -> None:
        head.root = name
        raise _Stop

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    read = 0
    while read <= limit:
        chunk = stream.read(65536)
        read += len(chunk)
        try:
            parser.Parse(chunk, not chunk)
        except _Stop:
            return head
        except expat.ExpatError as exc:
            head.error = str(exc)
            return head
        if not chunk:
            return head
    head.error = f"mais de {limit // MB} MB antes do primeiro elemento"
    return head


def check_xml(stream: BinaryIO, name: str, well_formed: bool = True) -> None:
    """Refuse XML that declares a DTD or entities, or (`well_formed`) whose start is not
    well formed."""
    head = xml_head(stream)
    if head.doctype:
        raise ImportRefused(f"{name}: o XML declara um DTD ou entidades (<!DOCTYPE …>), que "
                            "podem ler ficheiros do servidor, aceder à rede ou esgotar a "
                            "memória; não é aceite (exporte o ficheiro sem DOCTYPE)")
    if well_formed and (head.error or head.root is None):
        raise ImportRefused(f"não é um ficheiro geográfico reconhecido: {name} (XML inválido: "
                            f"{head.error or 'sem elementos'})")


# SQLite ---------------------------------------------------------------------------------------
def _schema(path: Path, name: str) -> list[tuple[str, str, str]]:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("PRAGMA trusted_schema = OFF")
            rows = db.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master")
            return [(str(t), str(n), str(s)) for t, n, s in rows.fetchall()]
    except sqlite3.Error as exc:
        raise ImportRefused(f"não é um ficheiro geográfico reconhecido: {name} (base de dados "
                            f"SQLite ilegível: {exc})") from exc


def check_sqlite(path: Path, name: str) -> None:
    """No virtual table but spatial indexes; no view or trigger calling dangerous functions."""
    for kind, entry, sql in _schema(path, name):
        module = re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE\s+.*?\bUSING\s+(\w+)", sql, re.I | re.S)
        if module and module.group(1).lower() not in SQLITE_MODULES:
            raise ImportRefused(f"{name}: a base de dados contém a tabela virtual {entry!r} "
                                f"({module.group(1)}), que pode ler outros ficheiros; não é "
                                "aceite")
        call = SQLITE_FORBIDDEN.search(sql) if kind in ("view", "trigger") else None
        if call:
            raise ImportRefused(f"{name}: a vista ou gatilho {entry!r} chama {call.group(1)}(), "
                                "que pode ler ficheiros ou aceder à rede; não é aceite")


# Shapefile headers ------------------------------------------------------------------------------
def _declared_length(path: Path) -> int:
    with path.open("rb") as handle:
        handle.seek(24)
        raw = handle.read(4)
    return struct.unpack(">i", raw)[0] * 2 if len(raw) == 4 else -1


def _dbf_records(path: Path) -> tuple[int, int]:
    """Records the .dbf header declares, and how many its size can hold."""
    with path.open("rb") as handle:
        header = handle.read(12)
    if len(header) < 12:
        return 0, 0
    records, header_len, record_len = struct.unpack("<IHH", header[4:12])
    room = (path.stat().st_size - header_len) // record_len if record_len else 0
    return records, max(room, 0)


def _lie(name: str, part: str, declared: str, actual: str) -> ImportRefused:
    return ImportRefused(f"{name}: o cabeçalho de {part} declara {declared}, mas o ficheiro só "
                         f"tem {actual} (shapefile corrompido ou manipulado)")


def check_shapefile(parts: dict[str, Path], name: str) -> None:
    """The .shp and .shx headers' lengths and the .dbf's record count fit their files."""
    for suffix in (".shp", ".shx"):
        path = parts[suffix]
        declared, size = _declared_length(path), path.stat().st_size
        if declared < 100 or declared > size:
            raise _lie(name, path.name, f"{declared} bytes", f"{size}")
    records, room = _dbf_records(parts[".dbf"])
    if records > room:
        raise _lie(name, parts[".dbf"].name, f"{records} registos", f"{room}")


# The whole check ------------------------------------------------------------------------------
def check(path: Path, name: str) -> Format:
    """The format of a data file whose content matches its extension; else ImportRefused."""
    kind = content_kind(path)
    if kind in VIRTUAL_KINDS:
        raise ImportRefused(f"{name}: " + VRT_REFUSED.format(kind=VIRTUAL_KINDS[kind]))
    fmt = format_of(path)
    if fmt is None:
        raise ImportRefused(f"não é um ficheiro geográfico reconhecido: {name} (extensão "
                            f"{suffix_of(path) or 'nenhuma'} não aceite; aceites: {accepted()})")
    if kind not in fmt.contents:
        raise ImportRefused(f"não é um ficheiro geográfico reconhecido: {name} (o conteúdo é "
                            f"{KIND_LABELS[kind]}, não {fmt.label} como indica a extensão "
                            f"{suffix_of(path)})")
    if kind == "xml":
        with path.open("rb") as handle:
            check_xml(handle, name)
    elif kind == "sqlite":
        check_sqlite(path, name)
    return fmt
