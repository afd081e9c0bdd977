"""SOURCE arguments (files, zips, folders) turned into data files on disk, refusing bad input.

Zips are checked before anything is extracted: encrypted or corrupt archives, entries with
`..`, absolute paths or links, and archives that expand past the configured size are refused.
"""

from __future__ import annotations

import hashlib
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sig.importing.errors import ImportRefused

MB = 1024 * 1024

# Files that can hold features; everything else in a folder or zip is a sidecar or ignored.
DATA_SUFFIXES = {
    ".shp", ".gpkg", ".geojson", ".json", ".kml", ".kmz", ".dxf", ".csv", ".xlsx", ".fgb",
    ".gml", ".sqlite", ".zip",
}
SIDECARS = {".shx", ".dbf", ".prj", ".cpg", ".qmd", ".qix", ".sbn", ".sbx", ".xml", ".qml",
            ".qgz", ".qgs", ".lyr", ".aux", ".fix", ".atx", ".ain", ".aih", ".sld"}


@dataclass(frozen=True)
class SourceFile:
    """One data file to open, with the name the user knows it by."""

    path: Path
    name: str


@dataclass
class Prepared:
    """Data files ready to read; the temporary folder goes away with `close()`."""

    files: list[SourceFile] = field(default_factory=list)
    # What the user handed over: name, size and SHA-256 of each file or zip.
    originals: list[dict] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    tmp: tempfile.TemporaryDirectory | None = None

    def close(self) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None

    def __enter__(self) -> Prepared:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(MB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_size(path: Path, name: str, max_file_mb: int) -> int:
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(f"ficheiro vazio: {name}")
    if size > max_file_mb * MB:
        raise ImportRefused(
            f"{name} tem {size / MB:.0f} MB, mais do que o limite de {max_file_mb} MB "
            "(SIG_IMPORT_MAX_FILE_MB)")
    return size


def _entry_name(info: zipfile.ZipInfo) -> str:
    """Entry names of zips made without the UTF-8 flag are often UTF-8 anyway."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _check_entry(info: zipfile.ZipInfo, name: str, zip_name: str) -> None:
    if info.flag_bits & 0x1:
        raise ImportRefused(f"{zip_name}: zip cifrado (com palavra-passe); envie-o sem cifra")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise ImportRefused(f"{zip_name}: entrada perigosa no zip ({name!r}): caminhos com "
                            "'..' ou absolutos não são aceites")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ImportRefused(f"{zip_name}: o zip contém uma ligação simbólica ({name!r})")


def _open_zip(path: Path, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused(f"{name}: zip corrompido ou não é um zip ({exc})") from exc


def _copy_limited(source, target: Path, budget: int, zip_name: str, limit_mb: int) -> int:
    written = 0
    with target.open("wb") as out:
        for chunk in iter(lambda: source.read(MB), b""):
            written += len(chunk)
            if written > budget:
                raise ImportRefused(f"{zip_name}: o zip expande para mais de {limit_mb} MB "
                                    "(SIG_IMPORT_MAX_UNZIPPED_MB)")
            out.write(chunk)
    return written


def extract_zip(path: Path, name: str, dest: Path, limit_mb: int) -> Path:
    """Extract a checked zip into `dest`; returns the folder of its contents."""
    budget = limit_mb * MB
    with _open_zip(path, name) as archive:
        infos = archive.infolist()
        names = [_entry_name(info) for info in infos]
        for info, entry in zip(infos, names, strict=True):
            _check_entry(info, entry, name)
        if sum(info.file_size for info in infos) > budget:
            raise ImportRefused(f"{name}: o zip expande para mais de {limit_mb} MB "
                                "(SIG_IMPORT_MAX_UNZIPPED_MB)")
        for info, entry in zip(infos, names, strict=True):
            target = dest.joinpath(*PurePosixPath(entry.replace("\\", "/")).parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as member:
                    budget -= _copy_limited(member, target, budget, name, limit_mb)
            except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
                raise ImportRefused(f"{name}: zip corrompido ({exc})") from exc
    return dest


def _shapefile_parts(shp: Path, name: str) -> None:
    siblings = {p.suffix.lower() for p in shp.parent.glob(glob_escape(shp.stem) + ".*")}
    missing = [s for s in (".shx", ".dbf") if s not in siblings]
    if missing:
        raise ImportRefused(f"shapefile incompleto: {name} sem {' nem '.join(missing)} "
                            "(envie todos os ficheiros do shapefile, de preferência num zip)")


def glob_escape(text: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def _collect(folder: Path, label: str, prepared: Prepared) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        shown = f"{label}/{path.relative_to(folder).as_posix()}"
        suffix = path.suffix.lower()
        if suffix == ".zip":
            prepared.ignored.append(f"{shown} (zip dentro de zip não é aberto)")
        elif suffix in DATA_SUFFIXES:
            if suffix == ".shp":
                _shapefile_parts(path, shown)
            prepared.files.append(SourceFile(path, shown))
        elif suffix not in SIDECARS:
            prepared.ignored.append(shown)


def _add(path: Path, prepared: Prepared, settings) -> None:
    name = path.name
    size = _check_size(path, name, settings.import_max_file_mb)
    prepared.originals.append({"nome": name, "tamanho": size, "sha256": sha256(path)})
    if path.suffix.lower() == ".zip":
        if prepared.tmp is None:
            prepared.tmp = tempfile.TemporaryDirectory(prefix="sig-import-")
        dest = Path(prepared.tmp.name) / f"{len(prepared.originals)}"
        dest.mkdir()
        extract_zip(path, name, dest, settings.import_max_unzipped_mb)
        _collect(dest, name, prepared)
        return
    if path.suffix.lower() == ".shp":
        _shapefile_parts(path, name)
    prepared.files.append(SourceFile(path, name))


def prepare(sources: list[str | Path], settings) -> Prepared:
    """Check and unpack the sources; raise ImportRefused on the first bad one."""
    prepared = Prepared()
    try:
        for source in sources:
            path = Path(source)
            if path.is_dir():
                for inner in sorted(p for p in path.rglob("*") if p.is_file()):
                    if inner.suffix.lower() in DATA_SUFFIXES:
                        _add(inner, prepared, settings)
                continue
            if not path.is_file():
                raise ImportRefused(f"fonte não encontrada: {source}")
            _add(path, prepared, settings)
        if not prepared.files:
            raise ImportRefused("nenhum ficheiro de dados geográficos nas fontes indicadas "
                                f"({', '.join(str(s) for s in sources)})")
    except BaseException:
        prepared.close()
        raise
    return prepared

