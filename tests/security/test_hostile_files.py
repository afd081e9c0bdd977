"""Hostile files handed to the importer: a corpus generated here (small files; the 2 GB one is
sparse), through `run_import` and through the editor's upload route.

Each hostile file is refused with a pt-PT message naming the problem; nothing reaches the
themes; no file outside the upload is read — the "server file" the corpus points at is a FIFO
that reports being opened and would hand out a marker — and no connection is attempted — the
URLs point at a loopback listener started here, which must see none. Memory stays bounded:
the test process's peak grows little, and web uploads run in a child process whose own memory
limit ends it, not the service.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sqlite3
import stat
import struct
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pyogrio
import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from pyogrio.errors import DataSourceError

from sig.conf import get_settings
from sig.importing.errors import ImportRefused
from tests.editing.conftest import make_user, wait_for_job
from tests.importing.conftest import delete_source, do_import, environment, scalar

MB = 1024 * 1024
FONTE = "teste-hostil"
CASTLE = (-8.8078, 39.7475)  # Leiria castle, lon/lat
UPLOADS = "/editor/api/importacoes"


# --- witnesses: a loopback listener and a server file that reports being opened -------------

class Listener:
    """A loopback TCP server that records every connection (and answers with the marker)."""

    def __init__(self, marker: str):
        self.marker, self.hits = marker, []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port, self.stopped = self.sock.getsockname()[1], False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def _serve(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(1024))
                    body = f"a,b\n{self.marker},1\n".encode()
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                                 % (len(body), body))
                except OSError:
                    self.hits.append(b"?")

    def stop(self) -> None:
        self.stopped = True
        self.thread.join(2)
        self.sock.close()


class Tripwire:
    """A FIFO standing for a server file: opening it for reading is noticed (and would read
    the marker)."""

    def __init__(self, path: Path, marker: str):
        self.path, self.marker, self.opened, self.stopped = path, marker, 0, False
        os.mkfifo(path)
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopped:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # nobody reading
                time.sleep(0.005)
                continue
            self.opened += 1
            try:
                os.write(fd, f"a,b\n{self.marker},1\n".encode())
            finally:
                os.close(fd)

    def stop(self) -> None:
        self.stopped = True
        self.thread.join(2)


@dataclass
class Witnesses:
    listener: Listener
    tripwire: Tripwire
    marker: str
    folder: Path

    @property
    def secret(self) -> Path:
        return self.tripwire.path

    def untouched(self) -> None:
        time.sleep(0.3)  # a late connection or open would still be seen
        assert self.listener.hits == [], "a connection reached the loopback listener"
        assert self.tripwire.opened == 0, "a file outside the upload was opened"
        for table in ("importing_run", "importing_quarantine", "importing_note",
                      "editing_importacao_web", "equipamentos"):
            found = scalar(f"SELECT count(*) FROM {table} t WHERE t::text LIKE %s",
                           f"%{self.marker}%")
            assert found == 0, f"the marker reached {table}"


@pytest.fixture
def witnesses(tmp_path: Path) -> Iterator[Witnesses]:
    marker = f"SEGREDO{uuid.uuid4().hex[:10]}"
    outside = tmp_path / "servidor"
    outside.mkdir()
    listener, tripwire = Listener(marker), Tripwire(outside / "segredo.gml", marker)
    try:
        yield Witnesses(listener, tripwire, marker, tmp_path / "envio")
    finally:
        listener.stop()
        tripwire.stop()


# --- the corpus ---------------------------------------------------------------------------------

def _vrt(w: Witnesses) -> str:
    return ('<OGRVRTDataSource>'
            f'<OGRVRTLayer name="segredo"><SrcDataSource>CSV:{w.secret}</SrcDataSource>'
            '<GeometryType>wkbNone</GeometryType></OGRVRTLayer>'
            f'<OGRVRTLayer name="rede"><SrcDataSource>/vsicurl/{w.listener.url("s.csv")}'
            '</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>')


def _gml(prolog: str, value: str, extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n'
            '<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" '
            'xmlns:gml="http://www.opengis.net/gml" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'{extra}><gml:featureMember><ogr:p fid="p.0"><ogr:geometryProperty>'
            f'<gml:Point srsName="EPSG:4326"><gml:coordinates>{CASTLE[0]},{CASTLE[1]}'
            '</gml:coordinates></gml:Point></ogr:geometryProperty>'
            f'<ogr:nome>{value}</ogr:nome><ogr:tipo>cultura</ogr:tipo></ogr:p>'
            '</gml:featureMember></ogr:FeatureCollection>')


def _kml(prolog: str, value: str, extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n'
            f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{extra}<Placemark>'
            f'<name>{value}</name><Point><coordinates>{CASTLE[0]},{CASTLE[1]}</coordinates>'
            '</Point></Placemark></Document></kml>')


LAUGHS = ('<!DOCTYPE r [<!ENTITY l0 "ha">'
          + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)) + "]>")


def _xxe(w: Witnesses, root: str) -> str:
    return (f'<!DOCTYPE {root} [<!ENTITY ficheiro SYSTEM "file://{w.secret}">'
            f'<!ENTITY rede SYSTEM "{w.listener.url("xxe")}">]>')


def _write(w: Witnesses, name: str, text: str) -> Path:
    w.folder.mkdir(exist_ok=True)
    path = w.folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _zip(w: Witnesses, name: str, members: dict[str, str | bytes]) -> Path:
    w.folder.mkdir(exist_ok=True)
    path = w.folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _bomb(w: Witnesses, name: str, member: str, head: bytes = b"", size_mb: int = 100,
          fill: bytes = b" ", tail: bytes = b"") -> Path:
    """A zip whose one entry expands to 100 MB of blanks (written in slices, never whole)."""
    w.folder.mkdir(exist_ok=True)
    path = w.folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(member, "w") as out:
            out.write(head)
            for _ in range(size_mb):
                out.write(fill * MB)
            out.write(tail)
    return path


def _patch_size(path: Path, size: int) -> None:
    """Make the (single) entry's headers declare `size` uncompressed bytes."""
    data = bytearray(path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 22:local + 26] = struct.pack("<I", size)
    data[central + 24:central + 28] = struct.pack("<I", size)
    path.write_bytes(bytes(data))


def vrt_as(suffix: str) -> Callable[[Witnesses], Path]:
    return lambda w: _write(w, f"dados{suffix}", _vrt(w))


def vrt_in_zip(w: Witnesses) -> Path:
    return _zip(w, "dados.zip", {"camadas/dados.gml": _vrt(w)})


def vrt_file_in_zip(w: Witnesses) -> Path:
    return _zip(w, "dados.zip", {"dados.geojson": json.dumps(_points_geojson()),
                                 "ligacao.vrt": _vrt(w)})


def gdalg_as_json(w: Witnesses) -> Path:
    return _write(w, "dados.json", json.dumps({
        "type": "gdal_streamed_alg",
        "command_line": f"gdal vector pipeline ! read CSV:{w.secret} ! write -f stream x"}))


def gml_xxe(w: Witnesses) -> Path:
    return _write(w, "dados.gml", _gml(_xxe(w, "ogr:FeatureCollection"), "&ficheiro;&rede;"))


def kml_xxe(w: Witnesses) -> Path:
    return _write(w, "dados.kml", _kml(_xxe(w, "kml"), "&ficheiro;&rede;"))


def kmz_xxe(w: Witnesses) -> Path:
    return _zip(w, "dados.kmz", {"doc.kml": _kml(_xxe(w, "kml"), "&ficheiro;")})


def gml_laughs(w: Witnesses) -> Path:
    return _write(w, "dados.gml", _gml(LAUGHS, "&l9;"))


def kml_laughs(w: Witnesses) -> Path:
    return _write(w, "dados.kml", _kml(LAUGHS, "&l9;"))


def zip_bomb(w: Witnesses) -> Path:
    return _bomb(w, "dados.zip", "pontos.geojson")


def kmz_bomb(w: Witnesses) -> Path:
    return _bomb(w, "dados.kmz", "doc.kml", _kml("", "x").encode())


def _xlsx(path: Path) -> None:
    frame = pd.DataFrame({"nome": ["Castelo"], "tipo": ["cultura"], "lon": [CASTLE[0]],
                          "lat": [CASTLE[1]]})
    frame.to_excel(path, index=False)


def xlsx_bomb(w: Witnesses) -> Path:
    """A real spreadsheet whose sheet is padded with 100 MB of blanks after its XML."""
    w.folder.mkdir(exist_ok=True)
    plain, path = w.folder / "base.xlsx", w.folder / "dados.xlsx"
    _xlsx(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            with out.open(info.filename, "w") as target:
                target.write(source.read(info))
                if info.filename.endswith("sheet1.xml"):
                    for _ in range(100):
                        target.write(b" " * MB)
    plain.unlink()
    return path


def xlsx_xxe(w: Witnesses) -> Path:
    w.folder.mkdir(exist_ok=True)
    plain, path = w.folder / "base.xlsx", w.folder / "dados.xlsx"
    _xlsx(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b"<worksheet", _xxe(w, "worksheet").encode() + b"<worksheet", 1)
            out.writestr(info.filename, data)
    plain.unlink()
    return path


def zip_declares_too_much(w: Witnesses) -> Path:
    """Headers that claim 4 GB for a small entry: refused before anything is extracted."""
    path = _zip(w, "dados.zip", {"pontos.geojson": json.dumps(_points_geojson())})
    _patch_size(path, 0xFFFF0000)
    return path


def zip_declares_too_little(w: Witnesses) -> Path:
    """Headers that claim 100 bytes for an entry of 5 MB: caught while extracting."""
    path = _zip(w, "dados.zip", {"pontos.geojson": b"x" * (5 * MB)})
    _patch_size(path, 100)
    return path


def zip_slip(w: Witnesses) -> Path:
    return _zip(w, "dados.zip", {f"../../../{_slipped(w)}": json.dumps(_points_geojson())})


def _slipped(w: Witnesses) -> str:
    return f"fora-{w.marker[-10:]}.geojson"


def zip_link(w: Witnesses) -> Path:
    w.folder.mkdir(exist_ok=True)
    path = w.folder / "dados.zip"
    link = zipfile.ZipInfo("pontos.geojson")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(link, str(w.secret))
    return path


def lying_shapefile(w: Witnesses) -> Path:
    """A zipped shapefile whose .dbf header declares two thousand million records."""
    w.folder.mkdir(exist_ok=True)
    frame = gpd.GeoDataFrame({"nome": ["a", "b"], "tipo": ["cultura"] * 2},
                             geometry=[shapely.Point(CASTLE)] * 2, crs=4326)
    shp = w.folder / "pontos.shp"
    pyogrio.write_dataframe(frame, shp)
    dbf = bytearray(shp.with_suffix(".dbf").read_bytes())
    dbf[4:8] = struct.pack("<I", 2_000_000_000)
    shp.with_suffix(".dbf").write_bytes(bytes(dbf))
    parts = {p.name: p.read_bytes() for p in w.folder.glob("pontos.*")}
    for part in w.folder.glob("pontos.*"):
        part.unlink()
    return _zip(w, "pontos.zip", parts)


def _inject(db: sqlite3.Connection, kind: str, name: str, sql: str) -> None:
    db.execute("PRAGMA writable_schema = ON")
    db.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) "
               "VALUES (?, ?, ?, 0, ?)", (kind, name, name, sql))
    db.commit()


def sqlite_virtual_ogr(w: Witnesses) -> Path:
    """A SQLite database whose table is GDAL's VirtualOGR over the server file."""
    w.folder.mkdir(exist_ok=True)
    path = w.folder / "dados.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE pontos (nome TEXT)")
        _inject(db, "table", "segredo", f"CREATE VIRTUAL TABLE segredo USING VirtualOGR("
                                        f"'CSV:{w.secret}')")
    return path


def gpkg_view_reading_a_file(w: Witnesses) -> Path:
    w.folder.mkdir(exist_ok=True)
    path = w.folder / "dados.gpkg"
    frame = gpd.GeoDataFrame({"nome": ["a"], "tipo": ["cultura"]},
                             geometry=[shapely.Point(CASTLE)], crs=4326)
    pyogrio.write_dataframe(frame, path, layer="pontos")
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE VIEW segredo AS SELECT fid, geom, readfile('{w.secret}') AS nome "
                   "FROM pontos")
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                   "VALUES ('segredo', 'features', 'segredo', 4326)")
        db.execute("INSERT INTO gpkg_geometry_columns VALUES ('segredo', 'geom', 'POINT', "
                   "4326, 0, 0)")
    return path


def _points_geojson(crs: dict | None = None) -> dict:
    collection = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"nome": "Castelo", "tipo": "cultura"},
        "geometry": {"type": "Point", "coordinates": list(CASTLE)}}]}
    if crs:
        collection["crs"] = crs
    return collection


VRT = "é um ficheiro virtual do GDAL (VRT)"
DTD = "o XML declara um DTD ou entidades"
BOMB = "parece uma bomba de descompressão"
CASES: dict[str, tuple[Callable[[Witnesses], Path], str]] = {
    "VRT as .gml": (vrt_as(".gml"), f"dados.gml: {VRT}"),
    "VRT as .kml": (vrt_as(".kml"), f"dados.kml: {VRT}"),
    "VRT as .geojson": (vrt_as(".geojson"), f"dados.geojson: {VRT}"),
    "VRT as .xml": (vrt_as(".xml"), f"dados.xml: {VRT}"),
    "VRT inside a zip": (vrt_in_zip, f"dados.zip/camadas/dados.gml: {VRT}"),
    ".vrt file inside a zip": (vrt_file_in_zip, f"dados.zip/ligacao.vrt: {VRT}"),
    "GDALG as .json": (gdalg_as_json, "é um ficheiro virtual do GDAL (GDALG)"),
    "GML with external entities": (gml_xxe, f"dados.gml: {DTD}"),
    "KML with external entities": (kml_xxe, f"dados.kml: {DTD}"),
    "KMZ with external entities": (kmz_xxe, f"dados.kmz: {DTD}"),
    "XLSX with external entities": (xlsx_xxe, f"xl/worksheets/sheet1.xml: {DTD}"),
    "GML billion laughs": (gml_laughs, f"dados.gml: {DTD}"),
    "KML billion laughs": (kml_laughs, f"dados.kml: {DTD}"),
    "zip bomb": (zip_bomb, "dados.zip: pontos.geojson está comprimido"),
    "KMZ bomb": (kmz_bomb, "dados.kmz: doc.kml está comprimido"),
    "XLSX bomb": (xlsx_bomb, BOMB),
    "zip declaring 4 GB": (zip_declares_too_much, "o zip expande para mais de 2048 MB"),
    "zip declaring less than it holds": (zip_declares_too_little, "dados.zip: "),
    "zip slip": (zip_slip, "entrada perigosa no zip"),
    "zip with a symbolic link": (zip_link, "o zip contém uma ligação simbólica"),
    "shapefile header lying about its records": (
        lying_shapefile, "o cabeçalho de pontos.dbf declara 2000000000 registos, mas o "
                         "ficheiro só tem 2"),
    "SQLite VirtualOGR table": (sqlite_virtual_ogr, "a base de dados contém a tabela virtual "
                                                    "'segredo' (VirtualOGR)"),
    "GeoPackage view reading a file": (gpkg_view_reading_a_file, "chama readfile()"),
}
# An entry longer than its headers declare is refused as corrupt (CRC) or as longer.
TRUNCATED = ("zip corrompido", "expande para mais do que declara")


# --- helpers --------------------------------------------------------------------------------------

def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def written() -> tuple[int, int]:
    return (int(scalar("SELECT count(*) FROM equipamentos")),
            int(scalar("SELECT count(*) FROM importing_quarantine")))


def assert_refusal(message: str, case: str) -> None:
    expected = CASES[case][1]
    if case == "zip declaring less than it holds":
        assert any(t in message for t in TRUNCATED), message
    assert expected in message, message


# --- through run_import ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_refused_by_the_importer(case, witnesses, caop):
    source = CASES[case][0](witnesses)
    before, peak = written(), peak_mb()
    with pytest.raises(ImportRefused) as refused:
        do_import([source], "equipamentos", fonte=FONTE)
    assert_refusal(str(refused.value), case)
    assert witnesses.marker not in str(refused.value)
    assert written() == before
    assert peak_mb() - peak < 200, "the import's memory was not bounded"
    witnesses.untouched()
    assert not (Path("/") / _slipped(witnesses)).exists()


def test_sparse_2gb_file_is_refused_by_size_before_reading(tmp_path, caop):
    path = tmp_path / "grande.gpkg"
    with path.open("wb") as handle:
        handle.truncate(2048 * MB)
    assert path.stat().st_blocks * 512 < MB  # never written for real
    before = written()
    with pytest.raises(ImportRefused, match="grande.gpkg tem 2048 MB, mais do que o limite de "
                                            "1024 MB"):
        do_import([path], "equipamentos", fonte=FONTE)
    assert written() == before


# --- references that GDAL would follow in otherwise valid files -----------------------------------

def geojson_crs_link(w: Witnesses) -> Path:
    crs = {"type": "link", "properties": {"href": w.listener.url("crs.wkt"), "type": "ogcwkt"}}
    return _write(w, "pontos.geojson", json.dumps(_points_geojson(crs)))


def gml_with_remote_references(w: Witnesses) -> Path:
    schema = (f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
              f'"http://ogr.maptools.org/ {w.listener.url("esquema.xsd")}"')
    text = _gml("", "Castelo", schema).replace(
        "<ogr:tipo>", f'<ogr:ligacao xlink:href="{w.listener.url("x.gml")}#a"/><ogr:tipo>')
    return _write(w, "pontos.gml", text)


def kml_with_remote_references(w: Witnesses) -> Path:
    extra = (f'<NetworkLink><Link><href>{w.listener.url("rede.kml")}</href></Link></NetworkLink>'
             f'<Style id="s"><IconStyle><Icon><href>{w.secret}</href></Icon></IconStyle></Style>')
    text = _kml("", "Castelo", extra).replace(
        "<Point>", f"<styleUrl>{w.listener.url('estilo.kml')}#s</styleUrl><Point>")
    return _write(w, "pontos.kml", text)


REFERENCES = {"GeoJSON CRS link": geojson_crs_link,
              "GML schema and xlink URLs": gml_with_remote_references,
              "KML network link and style URL": kml_with_remote_references}


@pytest.mark.parametrize("case", list(REFERENCES))
def test_references_in_valid_files_are_not_followed(case, witnesses, caop):
    source = REFERENCES[case](witnesses)
    try:
        result = do_import([source], "equipamentos", fonte=FONTE,
                           profile=_profile(witnesses.folder))
        assert result.read == 1
    finally:
        delete_source(FONTE)
    witnesses.untouched()


def test_a_geojson_crs_given_by_link_counts_as_undeclared(witnesses, caop):
    """The link is not followed, and the data is not silently taken as CRS84 either."""
    source = geojson_crs_link(witnesses)
    with pytest.raises(ImportRefused, match="não indica o sistema de coordenadas"):
        do_import([source], "equipamentos", fonte=FONTE)
    witnesses.untouched()


def test_archive_entry_names_never_become_gdal_paths(witnesses, caop):
    """pyogrio reads `a!b` as "b inside archive a": an entry named `x!/…/segredo.gml` would
    have GDAL open the server file. Entry names are kept to plain characters when extracted."""
    source = _zip(witnesses, "dados.zip", {f"x!{witnesses.secret}": _gml("", "Castelo")})
    try:
        result = do_import([source], "equipamentos", fonte=FONTE,
                           profile=_profile(witnesses.folder))
        assert result.read == 1
    finally:
        delete_source(FONTE)
    witnesses.untouched()


def _profile(folder: Path) -> Path:
    path = folder / "perfil.yml"
    path.write_text("theme: equipamentos\nsource: {crs: EPSG:4326}\nfields:\n"
                    "  nome: {from: [nome, Name], default: Castelo}\n  tipo: {value: cultura}\n")
    return path


# --- the GDAL restriction itself ------------------------------------------------------------------

def _remote_reads(w: Witnesses, listener: Listener) -> None:
    """GDAL asked to fetch a CRS by URL (its HTTP client) and to open a /vsicurl/ path."""
    crs = {"type": "link", "properties": {"href": listener.url("crs.wkt"), "type": "ogcwkt"}}
    source = _write(w, f"ligada-{listener.port}.geojson", json.dumps(_points_geojson(crs)))
    pyogrio.read_info(source)
    with pytest.raises(DataSourceError):
        pyogrio.read_info("/vsicurl/" + listener.url("d.geojson"))


def test_gdal_reaches_the_network_only_when_not_restricted(witnesses):
    """Unrestricted, GDAL does connect (so the listener's silence elsewhere means something);
    restricted, neither its HTTP client nor /vsicurl/ does, and only the driver named is
    registered until the block ends."""
    from sig.importing.gdalenv import registered_drivers, restricted

    control = Listener(witnesses.marker)
    try:
        _remote_reads(witnesses, control)
        time.sleep(0.3)
        assert len(control.hits) >= 2, "the control reads did not reach the listener"
    finally:
        control.stop()
    drivers = registered_drivers()
    with restricted(("GeoJSON",)):
        assert registered_drivers() == ["GeoJSON"]
        _remote_reads(witnesses, witnesses.listener)
    assert registered_drivers() == drivers
    witnesses.untouched()


# --- through the editor's upload route ------------------------------------------------------------

@pytest.fixture
def uploader(client, settings, caop, db):
    """The Django test client signed in as an editor of Leiria (1009)."""
    from sig.editing.accounts import get_user

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("ana", "editor", ("1009",))
    client.force_login(get_user("ana"))
    return client


def _upload(client, path: Path):
    return client.post(UPLOADS, {"ficheiro": SimpleUploadedFile(path.name, path.read_bytes()),
                                 "tema": "equipamentos", "municipio": "1009"})


def _removed(folder: Path, seconds: float = 10) -> bool:
    """The upload's folder goes once its import process has ended."""
    deadline = time.monotonic() + seconds
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not folder.exists()


WEB_CASES = ["VRT as .gml", "VRT inside a zip", "KML with external entities", "zip bomb",
             "KMZ bomb", "XLSX bomb", "shapefile header lying about its records",
             "SQLite VirtualOGR table"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", WEB_CASES)
def test_hostile_upload_is_refused_by_the_upload_route(case, uploader, witnesses):
    source = CASES[case][0](witnesses)
    before, peak = written(), peak_mb()
    response = _upload(uploader, source)
    assert response.status_code == 202, response.content
    job = response.json()
    status = wait_for_job(uploader, job["estado_url"], seconds=120)
    assert status["estado"] == "recusada", status
    assert_refusal(status["mensagem"], case)
    assert status["em_quarentena"] == 0 and witnesses.marker not in json.dumps(status)
    assert written() == before
    assert peak_mb() - peak < 100, "the web worker's memory grew"
    assert _removed(get_settings().var_dir / "uploads" / str(job["id"]))
    witnesses.untouched()


@pytest.mark.django_db
def test_an_upload_past_the_memory_limit_ends_its_own_process(uploader, witnesses):
    """A file that passes every check but needs more memory than allowed (one 300 MB CSV
    field, let through by relaxing the compression limit): the import's process stops with a
    clear message; the web worker is untouched."""
    path = _bomb(witnesses, "tabela.zip", "tabela.csv", b"nome;x;y\n", size_mb=300,
                 fill=b"a", tail=f";{CASTLE[0]};{CASTLE[1]}\n".encode())
    profiles = witnesses.folder / "perfis"
    (profiles / "1009").mkdir(parents=True)
    (profiles / "1009" / "equipamentos.yml").write_text(
        "theme: equipamentos\nsource: {crs: EPSG:4326}\n")
    peak = peak_mb()
    with environment(SIG_IMPORT_MAX_MEMORY_MB="256", SIG_IMPORT_MAX_ZIP_RATIO="1000000",
                     SIG_IMPORT_PROFILES_DIR=str(profiles)):
        response = _upload(uploader, path)
        assert response.status_code == 202, response.content
        status = wait_for_job(uploader, response.json()["estado_url"], seconds=120)
    assert status["estado"] == "falhada", status
    assert "precisou de mais memória do que o limite de 256 MB" in status["mensagem"], status
    assert peak_mb() - peak < 100, "the web worker's memory grew"


@pytest.mark.django_db
def test_uploads_are_capped_per_person_and_in_the_whole_service(uploader, witnesses):
    """With the service's one running slot taken, an upload waits in the queue; a second one
    from the same person is refused with 429 while the first is under way."""
    from sig.editing.import_queue import SLOT_LOCK_CLASS

    source = _write(witnesses, "pontos.geojson", json.dumps(_points_geojson()))
    with environment(SIG_IMPORT_MAX_PER_USER="1", SIG_IMPORT_MAX_RUNNING="1"), \
            psycopg.connect(get_settings().database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s, 0)", [SLOT_LOCK_CLASS])
        first = _upload(uploader, source)
        assert first.status_code == 202, first.content
        time.sleep(1.5)
        waiting = uploader.get(first.json()["estado_url"]).json()
        assert not waiting["terminado"] and waiting["mensagem"].startswith("na fila"), waiting
        second = _upload(uploader, source)
        assert second.status_code == 429, second.content
        assert second["Retry-After"] == "60"
        assert "já tem 1 importações em curso ou em espera" in second.json()["description"]
        holder.execute("SELECT pg_advisory_unlock(%s, 0)", [SLOT_LOCK_CLASS])
        status = wait_for_job(uploader, first.json()["estado_url"], seconds=120)
    try:
        assert status["estado"] == "concluida", status
    finally:
        with psycopg.connect(get_settings().database_owner_url, autocommit=True) as owner:
            owner.execute("DELETE FROM equipamentos WHERE import_run = %s",
                          [status["importacao"]])


@pytest.mark.django_db
def test_a_stuck_import_is_killed_and_frees_its_slot(uploader, witnesses):
    """An import that never ends (here: waiting on a lock this test holds) is killed after
    three times its CPU-time limit, with a clear message."""
    source = _write(witnesses, "pontos.geojson", json.dumps(_points_geojson()))
    with environment(SIG_IMPORT_MAX_CPU_SECONDS="5"), \
            psycopg.connect(get_settings().database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))",
                       ["sig import equipamentos pontos.geojson"])
        response = _upload(uploader, source)
        assert response.status_code == 202, response.content
        status = wait_for_job(uploader, response.json()["estado_url"], seconds=60)
    assert status["estado"] == "falhada", status
    assert "demorou mais do que 3 × 5 s" in status["mensagem"], status
