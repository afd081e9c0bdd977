"""Source layers read in batches: original attributes and geometries in the source CRS.

OGR formats (Shapefile, GeoPackage, GeoJSON, KML, DXF, FlatGeobuf, GML) go through pyogrio
(GDAL). CSV, spreadsheets and JSON lists (plain JSON arrays, not GeoJSON) are read as tables
whose geometry comes from coordinate columns or a WKT column. Text that is not valid in its
declared encoding (e.g. UTF-8 cut mid-character at the DBF's 254-byte limit) is read leniently
and every repair is reported per feature.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio import raw

from sig.importing.errors import ImportRefused
from sig.importing.profiles import GeometryColumns, SourceHints
from sig.importing.sources import SourceFile
from sig.importing.text import decode_leniently, identifier, normalize

DATABASE_DRIVERS = {"GPKG", "SQLite", "OpenFileGDB"}
FAMILIES = {"point": "pontos", "linestring": "linhas", "polygon": "polígonos"}
COORDINATE_PAIRS = (("x", "y"), ("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"),
                    ("long", "lat"), ("este", "norte"), ("easting", "northing"), ("m", "p"),
                    ("coordx", "coordy"), ("xcoord", "ycoord"))
WKT_NAMES = ("wkt", "geom", "geometry", "geometria", "thegeom", "shape")


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
    random_access: bool = False

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
    notes: list[list[str]]
    problems: list[list[str]]

    def __len__(self) -> int:
        return len(self.fids)


# Discovery --------------------------------------------------------------------------------
def _unreadable(file: SourceFile, exc: Exception) -> ImportRefused:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = reason.replace(str(file.path), file.path.name).split(" It might help")[0]
    return ImportRefused(f"não é um ficheiro geográfico reconhecido: {file.name} ({reason})")


def _prj_origin(file: SourceFile) -> tuple[str | None, str]:
    prj = next((p for p in file.path.parent.glob(file.path.stem + ".*")
                if p.suffix.lower() == ".prj"), None)
    if prj is None:
        return None, ""
    text = prj.read_text(encoding="utf-8", errors="replace").strip()
    match = re.match(r'^\s*\w+\[\s*"([^"]+)"', text)
    name = match.group(1) if match else "?"
    return (text or None), f"ficheiro .prj (WKT «{name}»)"


def _ogr_layers(file: SourceFile) -> list[Layer]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            listed = pyogrio.list_layers(file.path)
            infos = [pyogrio.read_info(file.path, layer=str(row[0])) for row in listed]
    except Exception as exc:  # GDAL raises several types for unreadable data
        raise _unreadable(file, exc) from exc
    layers = []
    for row, info in zip(listed, infos, strict=True):
        name = str(row[0])
        driver = info["driver"]
        crs, origin = info.get("crs"), f"{driver} ({info.get('crs') or 'sem CRS'})"
        if driver == "ESRI Shapefile":
            crs, origin = _prj_origin(file)
        capabilities = info.get("capabilities") or {}
        shown = name if len(listed) > 1 or driver in DATABASE_DRIVERS else file.path.stem
        layers.append(Layer(
            file, name, shown, "ogr", driver, info.get("geometry_type"),
            info.get("features") if (info.get("features") or 0) >= 0 else None, crs, origin,
            info.get("encoding"), [str(f) for f in info["fields"]],
            bool(capabilities.get("fast_set_next_by_index"))))
    return layers


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
        try:
            sheets = pd.ExcelFile(file.path).sheet_names
        except Exception as exc:  # openpyxl raises several types
            raise _unreadable(file, exc) from exc
        return [Layer(file, str(s), str(s) if len(sheets) > 1 else file.path.stem, "xlsx", "XLSX")
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


def _repair_text(frame: pd.DataFrame, encoding: str) -> tuple[pd.DataFrame, list[list[str]]]:
    """Columns read as latin-1 (raw bytes) decoded in `encoding`, leniently, with notes."""
    notes: list[list[str]] = [[] for _ in range(len(frame))]
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
                notes[row].append(f"campo {renamed[column]}: {note}")
        frame[column] = fixed
    return frame.rename(columns=renamed), notes


def _ogr_read(layer: Layer, skip: int, count: int | None, encoding: str | None) -> Batch:
    def read(enc):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return raw.read(layer.file.path, layer=layer.layer, encoding=enc, force_2d=True,
                            skip_features=skip, max_features=count, return_fids=True)

    try:
        if encoding:
            meta, fids, wkb, columns = read("latin1")
        else:
            meta, fids, wkb, columns = read(None)
    except UnicodeDecodeError:
        encoding = (layer.encoding or "utf-8")
        meta, fids, wkb, columns = read("latin1")
    except Exception as exc:  # GDAL errors on a corrupt file
        raise _unreadable(layer.file, exc) from exc
    frame = _frame(meta["fields"], columns)
    notes: list[list[str]] = [[] for _ in range(len(frame))]
    if encoding:
        frame, notes = _repair_text(frame, encoding)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else np.full(
        len(frame), None, dtype=object)
    problems = [["geometria em falta"] if g is None else [] for g in geoms]
    return Batch(np.asarray(fids), frame, np.asarray(geoms, dtype=object), notes, problems)


def _slices(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def _ogr_batches(layer: Layer, size: int, encoding: str | None) -> Iterator[Batch]:
    if not layer.random_access:
        yield from _split(_ogr_read(layer, 0, None, encoding), size)
        return
    start = 0
    while True:
        batch = _ogr_read(layer, start, size, encoding)
        if len(batch):
            yield batch
        if len(batch) < size:
            return
        start += len(batch)


def _split(batch: Batch, size: int) -> Iterator[Batch]:
    for start, count in _slices(len(batch), size):
        end = start + count
        yield Batch(batch.fids[start:end], batch.attrs.iloc[start:end].reset_index(drop=True),
                    batch.geoms[start:end], batch.notes[start:end], batch.problems[start:end])


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


def _json_records(layer: Layer) -> pd.DataFrame:
    try:
        data = json.loads(layer.file.path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"{layer.file.name}: JSON inválido ({exc})") from exc
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ImportRefused(f"{layer.file.name}: esperava uma lista de objetos JSON")
    return pd.DataFrame.from_records([_flatten(r) for r in data])


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


def table_geometry(frame: pd.DataFrame, spec: dict) -> tuple[np.ndarray, list[list[str]]]:
    """Geometries of a table from its WKT or coordinate columns, with a problem per bad row."""
    if "wkt" in spec:
        values = [None if v is None or (isinstance(v, float) and v != v) else str(v)
                  for v in frame[spec["wkt"]].to_numpy(dtype=object)]
        geoms = shapely.from_wkt(np.asarray(values, dtype=object), on_invalid="ignore")
        problems = [[] if g is not None else [f"geometria WKT em falta ou ilegível: {v!r}"[:200]]
                    for g, v in zip(geoms, values, strict=True)]
        return np.asarray(geoms, dtype=object), problems
    x, y = _coordinates(frame[spec["x"]]), _coordinates(frame[spec["y"]])
    ok = np.isfinite(x) & np.isfinite(y)
    geoms = np.full(len(frame), None, dtype=object)
    geoms[ok] = shapely.points(x[ok], y[ok])
    raw_x, raw_y = frame[spec["x"]].to_numpy(dtype=object), frame[spec["y"]].to_numpy(dtype=object)
    problems = [[] if good else [f"coordenadas em falta ou inválidas ({spec['x']}={rx!r}, "
                                 f"{spec['y']}={ry!r})"]
                for good, rx, ry in zip(ok, raw_x, raw_y, strict=True)]
    return geoms, problems


def _table_batches(layer: Layer, size: int, hints: SourceHints) -> Iterator[Batch]:
    if layer.kind == "csv":
        frames: Iterator[pd.DataFrame] = _csv_frames(layer, size, hints.encoding)
    elif layer.kind == "xlsx":
        frames = iter([pd.read_excel(layer.file.path, sheet_name=layer.layer, dtype=object)])
    else:
        frames = iter([_json_records(layer)])
    offset = 0
    for frame in frames:
        spec = find_geometry([str(c) for c in frame.columns], hints.geometry, layer.file.name)
        for start, count in _slices(len(frame), size):
            part = frame.iloc[start:start + count].reset_index(drop=True)
            geoms, problems = table_geometry(part, spec)
            fids = np.arange(offset + start + 1, offset + start + count + 1)
            yield Batch(fids, part, geoms, [[] for _ in range(count)], problems)
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
