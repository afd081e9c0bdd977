"""Source layers read in batches: original attributes and geometries in the source CRS.

OGR formats (Shapefile, GeoPackage, GeoJSON, KML, DXF, FlatGeobuf, GML) go through pyogrio
(GDAL), opened only with the drivers of the file's format and without network access
(`sig.importing.gdalenv`). CSV, spreadsheets and JSON lists (plain JSON arrays, not GeoJSON) are
read as tables whose geometry comes from coordinate columns or a WKT column. Every layer is
read in batches: nothing holds a whole layer in memory. Text that is not valid in its declared
encoding (e.g. UTF-8 cut mid-character at the DBF's 254-byte limit) is read leniently and every
repair is reported per feature.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pyogrio import raw
from pyogrio.util import vsi_path

from sig.importing import formats, jsonstream
from sig.importing.errors import ImportRefused
from sig.importing.gdalenv import restricted
from sig.importing.profiles import GeometryColumns, SourceHints
from sig.importing.sources import SourceFile
from sig.importing.text import decode_leniently, identifier, normalize

DATABASE_DRIVERS = {"GPKG", "SQLite", "OpenFileGDB"}
FAMILIES = {"point": "pontos", "linestring": "linhas", "polygon": "polígonos"}
COORDINATE_PAIRS = (("x", "y"), ("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"),
                    ("long", "lat"), ("este", "norte"), ("easting", "northing"), ("m", "p"),
                    ("coordx", "coordy"), ("xcoord", "ycoord"))
WKT_NAMES = ("wkt", "geom", "geometry", "geometria", "thegeom", "shape")
# Largest .prj read (a real one is a few hundred bytes).
MAX_PRJ_BYTES = 65536
# Most columns of a spreadsheet sheet.
MAX_SHEET_COLUMNS = 2000
# Most layers of one file (each is opened to be described).
MAX_LAYERS = 500
MISSING_GEOMETRY = ("geometria em falta",)


def family_of(geometry_type: str | None) -> str | None:
    """'MultiPolygon Z' → 'polygon'; None for unknown or mixed types."""
    if not geometry_type:
        return None
    base = re.sub(r"(\s*(Z|M|ZM)$)|(25D$)|(^3D\s*)", "", geometry_type).strip()
    base = base.removeprefix("Multi").lower()
    return base if base in FAMILIES else None


@dataclass
class Layer:
    """One layer of a source file, as discovered before reading."""

    file: SourceFile
    layer: str | None
    name: str
    kind: str  # ogr | csv | xlsx | json
    driver: str
    geometry_type: str | None = None
    count: int | None = None
    crs: str | None = None
    crs_origin: str = ""
    encoding: str | None = None
    fields: list[str] = field(default_factory=list)

    @property
    def family(self) -> str | None:
        return family_of(self.geometry_type)

    def describe(self) -> dict:
        return {"camada": self.name, "ficheiro": self.file.name, "formato": self.driver,
                "geometria": self.geometry_type, "elementos": self.count,
                "sistema_de_coordenadas": self.crs_origin}


@dataclass
class Batch:
    """Features read from a layer: fids, original attributes, geometries, notes, problems."""

    fids: np.ndarray
    attrs: pd.DataFrame
    geoms: np.ndarray
    notes: list[tuple[str, ...]]  # per feature; () when none (no object per feature)
    problems: list[tuple[str, ...]]
    wkb: np.ndarray | None = None  # the geometries as read, when they are already WKB

    def __len__(self) -> int:
        return len(self.fids)

    def take(self, rows: np.ndarray) -> Batch:
        """The features at positions `rows`."""
        return Batch(self.fids[rows], self.attrs.iloc[rows].reset_index(drop=True),
                     self.geoms[rows], [self.notes[r] for r in rows],
                     [self.problems[r] for r in rows],
                     None if self.wkb is None else self.wkb[rows])

    def geometry_wkb(self) -> np.ndarray:
        """The geometries as WKB (None where missing)."""
        return shapely.to_wkb(self.geoms) if self.wkb is None else self.wkb


# Discovery --------------------------------------------------------------------------------
def _out_of_memory(exc: Exception) -> bool:
    """A reader's own report of a failed allocation (GDAL, pandas' C parser)."""
    text = str(exc).lower()
    return "out of memory" in text or "cannot allocate memory" in text


def _unreadable(file: SourceFile, exc: Exception) -> Exception:
    if _out_of_memory(exc):
        return MemoryError(str(exc))
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = reason.replace(str(file.path), file.path.name).split(" It might help")[0]
    if "not recognized as being in a supported file format" in reason:
        fmt = formats.format_of(file.path)
        reason = f"o conteúdo não é {fmt.label if fmt else 'um formato aceite'} válido"
    return ImportRefused(f"não é um ficheiro geográfico reconhecido: {file.name} ({reason})")


def _prj_origin(file: SourceFile) -> tuple[str | None, str]:
    prj = next((p for p in file.path.parent.glob(file.path.stem + ".*")
                if p.suffix.lower() == ".prj"), None)
    if prj is None:
        return None, ""
    if prj.stat().st_size > MAX_PRJ_BYTES:
        raise ImportRefused(f"{file.name}: o ficheiro {prj.name} tem mais de "
                            f"{MAX_PRJ_BYTES // 1024} KB; não é um sistema de coordenadas")
    text = prj.read_text(encoding="utf-8", errors="replace").strip()
    match = re.match(r'^\s*\w+\[\s*"([^"]+)"', text)
    name = match.group(1) if match else "?"
    return (text or None), f"ficheiro .prj (WKT «{name}»)"


def _local_path(file: SourceFile) -> str:
    """The file's path as given to GDAL, refused if pyogrio would read it as something else
    (an archive member after `!`, a /vsi path, a URL)."""
    path = str(file.path)
    if vsi_path(path) != path or path.startswith("/vsi"):
        raise ImportRefused(f"{file.name}: o nome do ficheiro tem caracteres que o GDAL lê como "
                            "outro caminho (p. ex. '!'); mude-lhe o nome")
    return path


def _drivers(file: SourceFile) -> tuple[str, ...]:
    fmt = formats.format_of(file.path)
    if fmt is None or not fmt.drivers:
        raise ImportRefused(f"não é um ficheiro geográfico reconhecido: {file.name} (extensão "
                            f"{formats.suffix_of(file.path) or 'nenhuma'} não aceite)")
    return fmt.drivers


def _ogr_info(file: SourceFile) -> tuple[list, list[dict]]:
    drivers, path = _drivers(file), _local_path(file)
    try:
        with warnings.catch_warnings(), restricted(drivers):
            warnings.simplefilter("ignore")
            listed = pyogrio.list_layers(path)
            if len(listed) > MAX_LAYERS:
                raise ImportRefused(f"{file.name} tem {len(listed)} camadas, mais do que "
                                    f"{MAX_LAYERS}")
            infos = [pyogrio.read_info(path, layer=str(row[0])) for row in listed]
    except ImportRefused:
        raise
    except Exception as exc:  # GDAL raises several types for unreadable data
        raise _unreadable(file, exc) from exc
    if any(info["driver"] not in drivers for info in infos):
        raise ImportRefused(f"não é um ficheiro geográfico reconhecido: {file.name}")
    return list(listed), infos


CRS_LINK = re.compile(rb'"crs"\s*:\s*\{[^{}]*"type"\s*:\s*"link"')


def _crs_by_link(path) -> bool:
    """A GeoJSON whose `crs` member points to a URL or file, which is never fetched: GDAL
    would then take the data as CRS84 without a word, so the CRS counts as not declared."""
    with open(path, "rb") as handle:
        return CRS_LINK.search(handle.read(65_536)) is not None


def _ogr_layers(file: SourceFile) -> list[Layer]:
    listed, infos = _ogr_info(file)
    layers = []
    for row, info in zip(listed, infos, strict=True):
        name = str(row[0])
        driver = info["driver"]
        crs, origin = info.get("crs"), f"{driver} ({info.get('crs') or 'sem CRS'})"
        if driver == "ESRI Shapefile":
            crs, origin = _prj_origin(file)
        elif driver == "GeoJSON" and _crs_by_link(file.path):
            crs, origin = None, "GeoJSON (crs por ligação, não seguida)"
        shown = name if len(listed) > 1 or driver in DATABASE_DRIVERS else file.path.stem
        layers.append(Layer(
            file, name, shown, "ogr", driver, info.get("geometry_type"),
            info.get("features") if (info.get("features") or 0) >= 0 else None, crs, origin,
            info.get("encoding"), [str(f) for f in info["fields"]]))
    return layers


def _workbook(path: Path):
    """A workbook opened read-only (openpyxl is imported here: only spreadsheets need it, and
    it costs every other import a tenth of a second at start)."""
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)


def _sheets(file: SourceFile) -> list[str]:
    try:
        workbook = _workbook(file.path)
    except Exception as exc:  # openpyxl raises several types
        raise _unreadable(file, exc) from exc
    try:
        return [str(s) for s in workbook.sheetnames]
    finally:
        workbook.close()


def _json_kind(file: SourceFile) -> str:
    with file.path.open("rb") as handle:
        head = handle.read(65536).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if head.startswith("["):
        return "json"
    if re.search(r'"type"\s*:\s*"(FeatureCollection|Feature)"', head) or '"features"' in head:
        return "ogr"
    return "json"


def discover(file: SourceFile) -> list[Layer]:
    """The layers of one data file."""
    suffix = file.path.suffix.lower()
    if suffix == ".csv":
        return [Layer(file, None, file.path.stem, "csv", "CSV")]
    if suffix == ".xlsx":
        sheets = _sheets(file)
        return [Layer(file, s, s if len(sheets) > 1 else file.path.stem, "xlsx", "XLSX")
                for s in sheets]
    if suffix == ".json" and _json_kind(file) == "json":
        return [Layer(file, None, file.path.stem, "json", "JSON")]
    return _ogr_layers(file)


# Selection --------------------------------------------------------------------------------
def _matches(name: str, patterns: list[str]) -> bool:
    plain = normalize(name)
    return any(name == p or fnmatch.fnmatchcase(plain, normalize(p)) for p in patterns)


def _wrong_family(layer: Layer, family: str, theme_id: str) -> str | None:
    if layer.family and layer.family != family:
        return (f"{FAMILIES[layer.family]}; o tema {theme_id} é de {FAMILIES[family]}")
    return None


def _check_explicit(layers: list[Layer], wanted: tuple[str, ...]) -> None:
    known = [layer.name for layer in layers] + [str(layer.layer) for layer in layers]
    for name in wanted:
        if not _matches_any(name, known):
            raise ImportRefused(f"camada {name!r} não existe nas fontes (camadas: "
                                f"{', '.join(layer.name for layer in layers)})")


def _matches_any(pattern: str, names: list[str]) -> bool:
    return any(_matches(n, [pattern]) for n in names)


def _one_per_database(selected: list[Layer], explicit: bool) -> None:
    by_file: dict[str, list[str]] = {}
    for layer in selected:
        if layer.driver in DATABASE_DRIVERS:
            by_file.setdefault(layer.file.name, []).append(layer.name)
    for name, layers in by_file.items():
        if len(layers) > 1 and not explicit:
            raise ImportRefused(f"{name} tem várias camadas que servem o tema: "
                                f"{', '.join(layers)}; escolha com --layer")


def select(layers: list[Layer], family: str, theme_id: str, explicit: tuple[str, ...],
           hints: SourceHints) -> tuple[list[Layer], list[dict]]:
    """The layers to import and, for the others, why not."""
    _check_explicit(layers, explicit)
    selected, skipped = [], []
    for layer in layers:
        names = [layer.name, str(layer.layer)]
        reason = None
        if explicit and not any(_matches(n, list(explicit)) for n in names):
            reason = "não escolhida (--layer)"
        elif not explicit and hints.layers and not any(_matches(n, hints.layers) for n in names):
            reason = "não incluída no perfil"
        elif any(_matches(n, hints.exclude_layers) for n in names):
            reason = "excluída no perfil"
        elif layer.kind == "ogr" and not layer.geometry_type:
            reason = "sem geometria"
        elif layer.count == 0:
            reason = "sem elementos"
        else:
            reason = _wrong_family(layer, family, theme_id)
        if reason:
            skipped.append({"camada": layer.name, "ficheiro": layer.file.name, "motivo": reason})
        else:
            selected.append(layer)
    _one_per_database(selected, bool(explicit or hints.layers))
    if not selected:
        raise _nothing_selected(skipped, theme_id, family)
    return selected, skipped


def _nothing_selected(skipped: list[dict], theme_id: str, family: str) -> ImportRefused:
    listed = "; ".join(f"{s['camada']}: {s['motivo']}" for s in skipped)
    if any("o tema" in s["motivo"] for s in skipped):
        return ImportRefused(f"nenhuma camada com geometria do tipo do tema {theme_id} "
                             f"({FAMILIES[family]}): {listed}")
    if skipped and all(s["motivo"] == "sem elementos" for s in skipped):
        return ImportRefused(f"as fontes não têm elementos: {listed}")
    return ImportRefused(f"nenhuma camada a importar: {listed}")


# Reading ----------------------------------------------------------------------------------
def _frame(names, columns) -> pd.DataFrame:
    data: dict[str, object] = {}
    for name, column in zip(names, columns, strict=True):
        key, n = str(name), 1
        while key in data:
            n += 1
            key = f"{name}_{n}"
        data[key] = column
    return pd.DataFrame(data)


def _repair_text(frame: pd.DataFrame,
                 encoding: str) -> tuple[pd.DataFrame, list[tuple[str, ...]]]:
    """Columns read as latin-1 (raw bytes) decoded in `encoding`, leniently, with notes."""
    notes: list[tuple[str, ...]] = [()] * len(frame)
    renamed = {c: decode_leniently(str(c).encode("latin1", "replace"), encoding)[0]
               for c in frame.columns}
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=object)
        if not any(isinstance(v, str) for v in values):
            continue
        fixed = np.empty(len(values), dtype=object)
        for row, value in enumerate(values):
            if not isinstance(value, str):
                fixed[row] = value
                continue
            fixed[row], note = decode_leniently(value.encode("latin1", "replace"), encoding)
            if note:
                notes[row] += (f"campo {renamed[column]}: {note}",)
        frame[column] = fixed
    return frame.rename(columns=renamed), notes


def _arrow_values(column) -> np.ndarray:
    """An Arrow column as numpy, as GDAL's plain reader gives it: nulls as None, NaN or NaT;
    booleans with nulls as 1.0/0.0/NaN."""
    if pa.types.is_boolean(column.type) and column.null_count:
        column = column.cast(pa.float64())
    return column.to_numpy(zero_copy_only=False)


def _arrow_batch(names: list[str], table, position: int) -> Batch:
    """A Batch of one Arrow record batch (fid column first, geometry last if any)."""
    columns = table.columns
    fids = columns.pop(0).to_numpy()
    if not _unique(fids):  # no real FIDs (a view): positions, as GDAL's plain reader
        fids = np.arange(position, position + table.num_rows)  # numbers them
    wkb = columns.pop().to_numpy(zero_copy_only=False) if len(columns) > len(names) else None
    return _batch(fids, _frame(names, [_arrow_values(c) for c in columns]), wkb)


def _arrow_batches(layer: Layer, size: int) -> Iterator[Batch]:
    """The layer in one pass through GDAL's Arrow stream: values decoded in C, no Python
    object per value until converted. GDAL stays restricted until the stream is closed."""
    with warnings.catch_warnings(), restricted((layer.driver,)):
        warnings.simplefilter("ignore")
        with raw.open_arrow(_local_path(layer.file), layer=layer.layer, batch_size=size,
                            return_fids=True, use_pyarrow=True) as (meta, reader):
            names, position = list(meta["fields"]), 0
            for table in reader:
                yield _arrow_batch(names, table, position)
                position += table.num_rows


def _lenient_read(layer: Layer, skip: int, count: int, encoding: str) -> Batch:
    """One batch with text read as latin-1 (raw bytes) and decoded leniently in `encoding`,
    with a note per repair."""
    with warnings.catch_warnings(), restricted((layer.driver,)):
        warnings.simplefilter("ignore")
        meta, fids, wkb, columns = raw.read(
            _local_path(layer.file), layer=layer.layer, encoding="latin1",
            skip_features=skip, max_features=count, return_fids=True)
    frame, notes = _repair_text(_frame(meta["fields"], columns), encoding)
    return _batch(fids, frame, wkb, notes)


def _unique(values: np.ndarray) -> bool:
    return bool((values[1:] > values[:-1]).all()) or len(np.unique(values)) == len(values)


def _batch(fids: np.ndarray, frame: pd.DataFrame, wkb: np.ndarray | None,
           notes: list[tuple[str, ...]] | None = None) -> Batch:
    geoms, wkb = _geometries(wkb, len(frame))
    problems = [MISSING_GEOMETRY if g is None else () for g in geoms]
    return Batch(np.asarray(fids), frame, geoms, notes or [()] * len(frame), problems, wkb)


def _geometries(wkb: np.ndarray | None,
                size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Shapely geometries of WKB values, without Z or M; and the WKB, when it is exactly
    theirs (none unreadable, none with Z or M)."""
    if wkb is None:
        return np.full(size, None, dtype=object), None
    geoms = np.asarray(shapely.from_wkb(wkb, on_invalid="ignore"), dtype=object)
    if (shapely.get_coordinate_dimension(geoms) > 2).any():
        return np.asarray(shapely.force_2d(geoms), dtype=object), None
    if (shapely.is_missing(geoms) != pd.isna(wkb)).any():
        return geoms, None
    return geoms, wkb


def _slices(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def _lenient_batches(layer: Layer, start: int, size: int, encoding: str) -> Iterator[Batch]:
    """Each batch opens the layer and skips to its start: layers without fast random access
    (KML, GML, DXF, FlatGeobuf) are scanned again, but never held whole in memory."""
    while True:
        batch = _lenient_read(layer, start, size, encoding)
        if len(batch):
            yield batch
        if len(batch) < size:
            return
        start += len(batch)


@contextmanager
def _reading(file: SourceFile) -> Iterator[None]:
    """GDAL's errors on a corrupt file become a refusal that names the file; running out of
    memory and the readers' own refusals pass as they are."""
    try:
        yield
    except (MemoryError, ImportRefused):
        raise
    except Exception as exc:
        raise _unreadable(file, exc) from exc


def _ogr_batches(layer: Layer, size: int, encoding: str | None) -> Iterator[Batch]:
    """Through Arrow, unless the profile names the encoding or the text is not valid UTF-8:
    then, from the batch that failed on, read as latin-1 and decoded leniently."""
    done = 0
    with _reading(layer.file):
        try:
            if not encoding:
                for batch in _arrow_batches(layer, size):
                    yield batch
                    done += len(batch)
                return
        except (UnicodeDecodeError, pa.ArrowException):
            encoding = layer.encoding or "utf-8"
        yield from _lenient_batches(layer, done, size, encoding)


# Tables (CSV, XLSX, JSON lists) -----------------------------------------------------------
def _flatten(record: dict, prefix: str = "") -> dict:
    out: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def _json_columns(layer: Layer) -> list[str]:
    """Every (flattened) key of the list, in order of appearance: a first pass."""
    columns: dict[str, None] = {}
    for record in jsonstream.records(layer.file.path, layer.file.name):
        columns.update(dict.fromkeys(_flatten(record)))
    return list(columns)


def _json_frames(layer: Layer, size: int) -> Iterator[pd.DataFrame]:
    columns = _json_columns(layer)
    chunk: list[dict] = []
    for record in jsonstream.records(layer.file.path, layer.file.name):
        chunk.append(_flatten(record))
        if len(chunk) == size:
            yield pd.DataFrame.from_records(chunk, columns=columns)
            chunk = []
    if chunk:
        yield pd.DataFrame.from_records(chunk, columns=columns)


def _header(row: tuple) -> list[str]:
    """Column names of a sheet's first row, as pandas names them."""
    cells = list(row)
    while cells and cells[-1] is None:
        cells.pop()
    if len(cells) > MAX_SHEET_COLUMNS:
        raise ImportRefused(f"a folha tem {len(cells)} colunas, mais do que "
                            f"{MAX_SHEET_COLUMNS}")
    names: list[str] = []
    for index, cell in enumerate(cells):
        name = f"Unnamed: {index}" if cell is None else str(cell)
        base, n = name, 0
        while name in names:
            n += 1
            name = f"{base}.{n}"
        names.append(name)
    return names


def _sheet_rows(layer: Layer) -> Iterator[tuple]:
    workbook = _workbook(layer.file.path)
    try:
        sheet = workbook[str(layer.layer)]
        sheet.reset_dimensions()  # the declared dimensions are not trusted
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _sheet_values(rows: Iterator[tuple], width: int) -> Iterator[list]:
    """Each row cut or padded to `width`, empty cells as NaN (as pandas reads them); empty
    rows at the end of the sheet are left out, those between rows are kept."""
    blanks = 0
    for row in rows:
        values = [np.nan if v is None else v for v in (list(row) + [None] * width)[:width]]
        if all(v is np.nan for v in values):
            blanks += 1
            continue
        for _ in range(blanks):
            yield [np.nan] * width
        blanks = 0
        yield values


def _xlsx_frames(layer: Layer, size: int) -> Iterator[pd.DataFrame]:
    rows = _sheet_rows(layer)
    try:
        columns = _header(next(rows, ()))
    except ImportRefused as exc:
        raise ImportRefused(f"{layer.file.name}: {exc}") from exc
    chunk: list[list] = []
    for values in _sheet_values(rows, len(columns)):
        chunk.append(values)
        if len(chunk) == size:
            yield pd.DataFrame(chunk, columns=columns, dtype=object)
            chunk = []
    if chunk:
        yield pd.DataFrame(chunk, columns=columns, dtype=object)


def _text_encoding(layer: Layer, hint: str | None) -> str:
    if hint:
        return hint
    with layer.file.path.open("rb") as handle:
        head = handle.read(1 << 20)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return "cp1252"
    return "utf-8-sig"


def _csv_frames(layer: Layer, size: int, hint: str | None) -> Iterator[pd.DataFrame]:
    encoding = _text_encoding(layer, hint)
    with layer.file.path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(65536)
    try:
        separator = csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        separator = ","
    try:
        yield from pd.read_csv(layer.file.path, sep=separator, dtype=str, keep_default_na=False,
                               chunksize=size, encoding=encoding, encoding_errors="replace")
    except (pd.errors.ParserError, ValueError) as exc:
        if _out_of_memory(exc):
            raise MemoryError(str(exc)) from exc
        raise ImportRefused(f"{layer.file.name}: CSV ilegível ({exc})") from exc


def find_geometry(columns: list[str], spec: GeometryColumns | None, name: str) -> dict:
    def find(wanted: str) -> str | None:
        for column in columns:
            if identifier(column) == identifier(wanted) or \
                    identifier(column.rsplit(".", 1)[-1]) == identifier(wanted):
                return column
        return None

    if spec is not None:
        found = {k: find(v) for k, v in spec.model_dump(exclude_none=True).items()}
        missing = [spec.model_dump()[k] for k, v in found.items() if v is None]
        if missing:
            raise ImportRefused(f"{name}: colunas de geometria do perfil em falta: "
                                f"{', '.join(missing)}")
        return found
    for wkt in WKT_NAMES:
        if (column := find(wkt)) is not None:
            return {"wkt": column}
    for x, y in COORDINATE_PAIRS:
        if (cx := find(x)) is not None and (cy := find(y)) is not None:
            return {"x": cx, "y": cy}
    raise ImportRefused(f"{name}: a tabela não tem colunas de coordenadas (x/y, lon/lat) nem "
                        "WKT; indique-as no perfil (source.geometry)")


def _coordinates(values: pd.Series) -> np.ndarray:
    text = values.astype(object).map(lambda v: None if v is None else str(v).strip())
    text = text.map(lambda v: v.replace(",", ".") if v and "," in v and "." not in v else v)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def table_geometry(frame: pd.DataFrame, spec: dict) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Geometries of a table from its WKT or coordinate columns, with a problem per bad row."""
    if "wkt" in spec:
        values = [None if v is None or (isinstance(v, float) and v != v) else str(v)
                  for v in frame[spec["wkt"]].to_numpy(dtype=object)]
        geoms = shapely.from_wkt(np.asarray(values, dtype=object), on_invalid="ignore")
        problems = [() if g is not None else (f"geometria WKT em falta ou ilegível: {v!r}"[:200],)
                    for g, v in zip(geoms, values, strict=True)]
        return np.asarray(geoms, dtype=object), problems
    x, y = _coordinates(frame[spec["x"]]), _coordinates(frame[spec["y"]])
    ok = np.isfinite(x) & np.isfinite(y)
    geoms = np.full(len(frame), None, dtype=object)
    geoms[ok] = shapely.points(x[ok], y[ok])
    raw_x, raw_y = frame[spec["x"]].to_numpy(dtype=object), frame[spec["y"]].to_numpy(dtype=object)
    problems = [() if good else (f"coordenadas em falta ou inválidas ({spec['x']}={rx!r}, "
                                 f"{spec['y']}={ry!r})",)
                for good, rx, ry in zip(ok, raw_x, raw_y, strict=True)]
    return geoms, problems


def _table_batches(layer: Layer, size: int, hints: SourceHints) -> Iterator[Batch]:
    if layer.kind == "csv":
        frames: Iterator[pd.DataFrame] = _csv_frames(layer, size, hints.encoding)
    elif layer.kind == "xlsx":
        frames = _xlsx_frames(layer, size)
    else:
        frames = _json_frames(layer, size)
    offset = 0
    for frame in frames:
        spec = find_geometry([str(c) for c in frame.columns], hints.geometry, layer.file.name)
        for start, count in _slices(len(frame), size):
            part = frame.iloc[start:start + count].reset_index(drop=True)
            geoms, problems = table_geometry(part, spec)
            fids = np.arange(offset + start + 1, offset + start + count + 1)
            yield Batch(fids, part, geoms, [()] * count, problems)
        offset += len(frame)


def batches(layer: Layer, size: int, hints: SourceHints) -> Iterator[Batch]:
    """Read a layer in batches of at most `size` features."""
    if layer.kind == "ogr":
        encoding = hints.encoding
        return _ogr_batches(layer, size, encoding)
    return _table_batches(layer, size, hints)


def table_columns(layer: Layer, hints: SourceHints) -> list[str]:
    """Column names of a table layer (its first rows), for discovery and drafting."""
    first = next(batches(layer, 10, hints), None)
    return [] if first is None else [str(c) for c in first.attrs.columns]
