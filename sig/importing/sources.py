"""SOURCE arguments (files, zips, folders) turned into data files on disk, refusing bad input.

Every file is checked before any reader opens it: its size (`SIG_IMPORT_MAX_FILE_MB`), then
its content against its extension (`sig.importing.formats`). Containers — zips, KMZ and XLSX,
which are zips too — are checked before anything is expanded: encrypted or corrupt archives,
entries with `..`, absolute paths or links, too many entries, an entry larger than a single
file may be, an entry compressed beyond any real data (a decompression bomb) and a total past
the configured budget are refused. While extracting, the bytes written are counted again, in
case the headers lie. Zips and KMZ are extracted into a temporary folder; an XLSX is read in
place by the spreadsheet reader, which never expands an entry past its declared size.
"""

from __future__ import annotations

import hashlib
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sig.importing import formats
from sig.importing.errors import ImportRefused

MB = 1024 * 1024
# Entries smaller than this are not held to the compression-ratio limit.
RATIO_FLOOR = MB

# Files that can hold features; everything else in a folder or zip is a sidecar or ignored.
DATA_SUFFIXES = set(formats.FORMATS)
SIDECARS = {".shx", ".dbf", ".prj", ".cpg", ".qmd", ".qix", ".sbn", ".sbx", ".xml", ".qml",
            ".qgz", ".qgs", ".lyr", ".aux", ".fix", ".atx", ".ain", ".aih", ".sld"}
# Files that tell GDAL to read other files or URLs: a source holding one is refused.
VIRTUAL_SUFFIXES = {".vrt", ".gdalg", ".ovf"}
# GML schemas and GDAL's GML templates, which GDAL reads beside a .gml and which may point to
# other files: removed from an extracted zip (GDAL then works the schema out from the data).
GML_SCHEMAS = {".xsd", ".gfs"}


@dataclass(frozen=True)
class SourceFile:
    """One data file to open, with the name the user knows it by."""

    path: Path
    name: str


@dataclass(frozen=True)
class Budget:
    """What a container may expand to."""

    total: int
    member: int
    members: int
    ratio: int
    total_mb: int
    member_mb: int

    @classmethod
    def from_settings(cls, settings) -> Budget:
        return cls(settings.import_max_unzipped_mb * MB, settings.import_max_file_mb * MB,
                   settings.import_max_zip_members, settings.import_max_zip_ratio,
                   settings.import_max_unzipped_mb, settings.import_max_file_mb)


@dataclass
class Prepared:
    """Data files ready to read; the temporary folder goes away with `close()`."""

    files: list[SourceFile] = field(default_factory=list)
    # What the user handed over: name, size and SHA-256 of each file or zip.
    originals: list[dict] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    tmp: tempfile.TemporaryDirectory | None = None

    def folder(self) -> Path:
        """A new, empty folder inside the temporary folder."""
        if self.tmp is None:
            self.tmp = tempfile.TemporaryDirectory(prefix="sig-import-")
        path = Path(self.tmp.name) / str(len(self.originals))
        path.mkdir()
        return path

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
    """Refuse by size before anything is read (a sparse 2 GB file costs nothing to send)."""
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused(f"ficheiro vazio: {name}")
    if size > max_file_mb * MB:
        raise ImportRefused(
            f"{name} tem {size / MB:.0f} MB, mais do que o limite de {max_file_mb} MB "
            "(SIG_IMPORT_MAX_FILE_MB)")
    return size


# Containers ---------------------------------------------------------------------------------
def _entry_name(info: zipfile.ZipInfo) -> str:
    """Entry names of zips made without the UTF-8 flag are often UTF-8 anyway."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _entry_parts(name: str) -> tuple[str, ...]:
    return PurePosixPath(name.replace("\\", "/")).parts


def _check_entry(info: zipfile.ZipInfo, name: str, zip_name: str) -> None:
    if info.flag_bits & 0x1:
        raise ImportRefused(f"{zip_name}: zip cifrado (com palavra-passe); envie-o sem cifra")
    absolute = name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name)
    if absolute or ".." in _entry_parts(name) or "\x00" in name:
        raise ImportRefused(f"{zip_name}: entrada perigosa no zip ({name!r}): caminhos com "
                            "'..' ou absolutos não são aceites")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ImportRefused(f"{zip_name}: o zip contém uma ligação simbólica ({name!r})")


def _check_expansion(info: zipfile.ZipInfo, name: str, zip_name: str, budget: Budget) -> None:
    if info.file_size > budget.member:
        raise ImportRefused(f"{zip_name}: {name} expande para {info.file_size / MB:.0f} MB, mais "
                            f"do que o limite de {budget.member_mb} MB por ficheiro "
                            "(SIG_IMPORT_MAX_FILE_MB)")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > budget.ratio:
        raise ImportRefused(f"{zip_name}: {name} está comprimido {ratio:.0f} vezes (limite "
                            f"{budget.ratio}, SIG_IMPORT_MAX_ZIP_RATIO): parece uma bomba de "
                            "descompressão; não é aceite")


def _too_big(zip_name: str, budget: Budget) -> ImportRefused:
    return ImportRefused(f"{zip_name}: o zip expande para mais de {budget.total_mb} MB "
                         "(SIG_IMPORT_MAX_UNZIPPED_MB)")


def check_archive(archive: zipfile.ZipFile, zip_name: str, budget: Budget) -> list[str]:
    """Check every entry before anything is expanded; returns the entry names."""
    infos = archive.infolist()
    if len(infos) > budget.members:
        raise ImportRefused(f"{zip_name}: o zip tem {len(infos)} entradas, mais do que o limite "
                            f"de {budget.members} (SIG_IMPORT_MAX_ZIP_MEMBERS)")
    names = [_entry_name(info) for info in infos]
    for info, entry in zip(infos, names, strict=True):
        _check_entry(info, entry, zip_name)
    if sum(info.file_size for info in infos) > budget.total:
        raise _too_big(zip_name, budget)
    for info, entry in zip(infos, names, strict=True):
        _check_expansion(info, entry, zip_name, budget)
    return names


def _open_zip(path: Path, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(f"{name}: zip corrompido ou não é um zip ({exc})") from exc


def _copy_limited(source, target: Path, declared: int, left: int, zip_name: str,
                  budget: Budget) -> int:
    """Copy one entry, counting the bytes: never more than declared, nor than the budget."""
    written = 0
    with target.open("wb") as out:
        for chunk in iter(lambda: source.read(MB), b""):
            written += len(chunk)
            if written > left:
                raise _too_big(zip_name, budget)
            if written > declared:
                raise ImportRefused(f"{zip_name}: uma entrada do zip expande para mais do que "
                                    "declara (zip manipulado); não é aceite")
            out.write(chunk)
    return written


def safe_component(name: str) -> str:
    """A file or folder name kept to letters, digits and `_ .()-`: nothing a reader could
    take for syntax (`!` is pyogrio's archive separator, `:` a GDAL driver prefix…)."""
    return re.sub(r"[^\w .()-]", "_", name).strip() or "_"


def _target(dest: Path, entry: str, zip_name: str) -> Path:
    target = dest.joinpath(*(safe_component(part) for part in _entry_parts(entry)))
    if not target.resolve().is_relative_to(dest.resolve()):
        raise ImportRefused(f"{zip_name}: entrada perigosa no zip ({entry!r}): aponta para fora "
                            "do zip")
    return target


def extract_zip(path: Path, name: str, dest: Path, budget: Budget) -> Path:
    """Extract a checked zip into `dest`; returns the folder of its contents."""
    left = budget.total
    with _open_zip(path, name) as archive:
        names = check_archive(archive, name, budget)
        for info, entry in zip(archive.infolist(), names, strict=True):
            target = _target(dest, entry, name)
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as member:
                    left -= _copy_limited(member, target, info.file_size, left, name, budget)
            except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError) as exc:
                raise ImportRefused(f"{name}: zip corrompido ({exc})") from exc
    return dest


def _xml_entries(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    for info in archive.infolist():
        if info.filename.lower().endswith((".xml", ".rels")):
            yield info


def check_xlsx(path: Path, name: str, budget: Budget) -> None:
    """A spreadsheet is a zip: the same budget, and no DTD in any of its XML parts."""
    with _open_zip(path, name) as archive:
        check_archive(archive, name, budget)
        for info in _xml_entries(archive):
            try:
                with archive.open(info) as member:
                    formats.check_xml(member, f"{name}/{info.filename}", well_formed=False)
            except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError) as exc:
                raise ImportRefused(f"{name}: zip corrompido ({exc})") from exc


# Files and folders ------------------------------------------------------------------------------
def _shapefile_parts(shp: Path, name: str) -> None:
    siblings = {p.suffix.lower(): p for p in shp.parent.glob(glob_escape(shp.stem) + ".*")}
    missing = [s for s in (".shx", ".dbf") if s not in siblings]
    if missing:
        raise ImportRefused(f"shapefile incompleto: {name} sem {' nem '.join(missing)} "
                            "(envie todos os ficheiros do shapefile, de preferência num zip)")
    formats.check_shapefile({".shp": shp, **siblings}, name)


def glob_escape(text: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def _check_data(path: Path, name: str, settings) -> None:
    """The content checks of one data file (its size is checked by the caller)."""
    formats.check(path, name)
    suffix = formats.suffix_of(path)
    if suffix == ".shp":
        _shapefile_parts(path, name)
    elif suffix == ".xlsx":
        check_xlsx(path, name, Budget.from_settings(settings))


def _collect(folder: Path, label: str, prepared: Prepared, settings) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        shown = f"{label}/{path.relative_to(folder).as_posix()}"
        suffix = path.suffix.lower()
        if suffix in VIRTUAL_SUFFIXES:
            raise ImportRefused(f"{shown}: " + formats.VRT_REFUSED.format(kind="VRT"))
        if suffix in (".zip", ".kmz"):
            prepared.ignored.append(f"{shown} (zip dentro de zip não é aberto)")
        elif suffix in GML_SCHEMAS:
            path.unlink()
            prepared.ignored.append(f"{shown} (esquema GML: lido a partir dos dados)")
        elif suffix in DATA_SUFFIXES:
            _check_size(path, shown, settings.import_max_file_mb)
            _check_data(path, shown, settings)
            prepared.files.append(SourceFile(path, shown))
        elif suffix not in SIDECARS:
            prepared.ignored.append(shown)


def _kmz_document(folder: Path, name: str) -> Path:
    """The KML of a KMZ: `doc.kml`, else the first KML at its root."""
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".kml")
    if not found:
        raise ImportRefused(f"{name}: o KMZ não contém nenhum ficheiro .kml na raiz")
    return next((p for p in found if p.name.lower() == "doc.kml"), found[0])


def _add_kmz(path: Path, name: str, prepared: Prepared, settings) -> None:
    dest = prepared.folder()
    (dest / "kmz").mkdir()
    extract_zip(path, name, dest / "kmz", Budget.from_settings(settings))
    document = _kmz_document(dest / "kmz", name)
    kml = dest / f"{safe_component(Path(name).stem)}.kml"  # the layer keeps the KMZ's name
    document.rename(kml)
    _check_size(kml, name, settings.import_max_file_mb)
    formats.check(kml, name)
    prepared.files.append(SourceFile(kml, name))


def _add(path: Path, prepared: Prepared, settings) -> None:
    name = path.name
    size = _check_size(path, name, settings.import_max_file_mb)
    suffix = path.suffix.lower()
    if suffix not in (".zip", ".kmz"):
        _check_data(path, name, settings)
    else:
        formats.check(path, name)
    prepared.originals.append({"nome": name, "tamanho": size, "sha256": sha256(path)})
    if suffix == ".zip":
        dest = prepared.folder()
        extract_zip(path, name, dest, Budget.from_settings(settings))
        _collect(dest, name, prepared, settings)
    elif suffix == ".kmz":
        _add_kmz(path, name, prepared, settings)
    else:
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
