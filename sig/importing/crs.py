"""Coordinate reference systems of municipal files and their transformation to PT-TM06.

Datum 73 and Datum Lisboa reach ETRS89 through DGT's grids. Without a grid PROJ silently
falls back to a Helmert transformation (0.2–0.5 m off for Datum 73, 1.7–2.7 m for Lisboa):
the import refuses that unless explicitly allowed, and records the operation used and its
accuracy with the run.
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np
import pyproj
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from pyproj.transformer import TransformerGroup

from sig.crs import STORAGE_SRID, authority_code
from sig.importing.errors import ImportRefused

STORAGE_CRS = CRS.from_epsg(STORAGE_SRID)

# DGT's datum-shift grids (© DGT 2019, CC BY 4.0) and what they are for.
DGT_GRIDS = {
    "pt_dgt_D73_ETRS89_geo.tif": "Datum 73 → ETRS89 (EPSG:6189)",
    "pt_dgt_DLx_ETRS89_geo.tif": "Datum Lisboa → ETRS89 (EPSG:6188)",
}

# PROJ contexts are per thread: each thread (a web request, an import) sets its own search path.
_applied = threading.local()


@functools.cache
def _proj_data_dir() -> str:
    """PROJ's own data folder, as found before the grids folder is added to it."""
    return pyproj.datadir.get_data_dir() or ""


def use_grids(folder: str | None) -> None:
    """Make PROJ (pyproj) search `folder` for grids, besides its own data; no network."""
    pyproj.network.set_network_enabled(False)
    base = _proj_data_dir()
    wanted = str(folder or "")
    if getattr(_applied, "grids", None) == wanted:
        return
    pyproj.datadir.set_data_dir(os.pathsep.join([base, wanted]) if wanted else base)
    _applied.grids = wanted


def parse_crs(text: str) -> CRS:
    """A CRS from an EPSG/ESRI code, a bare number, any name `sig.crs` reads (`CRS84`, OGC
    URIs…), a name PROJ knows (`WGS84`) or WKT; refuse unknown ones."""
    value = authority_code(text) or text.strip()
    try:
        return CRS.from_user_input(value)
    except CRSError as exc:
        raise ImportRefused(
            f"sistema de coordenadas desconhecido: {text} "
            "(indique um código conhecido, por exemplo EPSG:3763, EPSG:27493 ou ESRI:102164)"
        ) from exc


def identify(crs: CRS) -> str:
    """The authority code PROJ recognises (EPSG first), else the CRS name."""
    found = crs.to_authority(min_confidence=70)
    return f"{found[0]}:{found[1]}" if found else crs.name


@dataclass(frozen=True)
class SourceCrs:
    """The CRS of a source and how it was found."""

    crs: CRS
    origin: str  # e.g. "ficheiro .prj (ESRI WKT)", "--crs"

    @property
    def label(self) -> str:
        return f"{identify(self.crs)} ({self.crs.name}; {self.origin})"


def resolve(declared: str | None, override: str | None, origin: str,
            override_origin: str = "--crs") -> SourceCrs:
    """The CRS to read a source in: the override if given, else the file's own."""
    if override:
        return SourceCrs(parse_crs(override), override_origin)
    if declared:
        return SourceCrs(parse_crs(declared), origin)
    raise ImportRefused(
        "a fonte não indica o sistema de coordenadas: indique-o com --crs "
        "(por exemplo --crs EPSG:3763)")


@dataclass(frozen=True)
class Transformation:
    """The coordinate operation from a source CRS to PT-TM06, with what to record."""

    source: str
    source_wkt: str
    description: str
    definition: str
    accuracy_m: float | None
    helmert_fallback: bool = False
    missing_grids: tuple[str, ...] = ()
    transformer: Transformer | None = field(default=None, compare=False, repr=False)

    @property
    def summary(self) -> str:
        accuracy = "desconhecida" if self.accuracy_m is None else f"{self.accuracy_m:g} m"
        text = f"{self.description} (exatidão {accuracy})"
        if self.helmert_fallback:
            text += f"; SEM a grelha {', '.join(self.missing_grids)}: aproximação de Helmert"
        return text

    def apply(self, geoms: np.ndarray) -> np.ndarray:
        """Transform an array of shapely geometries (vectorised over all coordinates)."""
        if self.transformer is None:
            return geoms
        transformer = self.transformer

        def move(coords: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geoms, move)


def _missing_grids(group: TransformerGroup) -> tuple[str, ...]:
    if group.best_available or not group.unavailable_operations:
        return ()
    best = group.unavailable_operations[0]
    return tuple(g.short_name for g in best.grids if not g.available)


def _refuse_missing(source: str, missing: tuple[str, ...], folder: str | None) -> ImportRefused:
    names = ", ".join(f"{g} ({DGT_GRIDS.get(g, 'grelha de transformação')})" for g in missing)
    where = f"a pasta {folder}" if folder else "só as pastas do PROJ"
    return ImportRefused(
        f"falta a grelha {names} para transformar {source} em PT-TM06 com exatidão; "
        f"sem ela o PROJ usaria uma aproximação de Helmert com erros de metros. Instale-a com "
        f"`sig fetch-grids` (ou `projsync --file {missing[0]}`) ou copie-a para a pasta das "
        f"grelhas, SIG_PROJ_GRIDS_DIR (procurada: {where}); ou aceite a aproximação com "
        "--allow-helmert")


def plan(source: SourceCrs, *, allow_helmert: bool = False,
         grids_dir: str | None = None) -> Transformation:
    """Choose the operation to PT-TM06; refuse a silent Helmert fallback unless allowed."""
    use_grids(grids_dir)
    label = source.label
    wkt = source.crs.to_wkt()
    if source.crs.to_epsg(min_confidence=90) == STORAGE_SRID:
        return Transformation(label, wkt, "nenhuma (já em PT-TM06, EPSG:3763)", "", 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        group = TransformerGroup(source.crs, STORAGE_CRS, always_xy=True)
    if not group.transformers:
        raise ImportRefused(f"não há transformação conhecida de {label} para PT-TM06")
    missing = _missing_grids(group)
    if missing and not allow_helmert:
        raise _refuse_missing(label, missing, grids_dir)
    best = group.transformers[0]
    ballpark = "ballpark" in best.description.lower()
    if ballpark and not allow_helmert:
        raise ImportRefused(
            f"só há uma transformação aproximada (sem parâmetros de datum) de {label} para "
            "PT-TM06; confirme o sistema de coordenadas ou aceite-a com --allow-helmert")
    accuracy = best.accuracy if best.accuracy is not None and best.accuracy >= 0 else None
    return Transformation(label, wkt, best.description, best.definition, accuracy,
                          helmert_fallback=bool(missing) or ballpark, missing_grids=missing,
                          transformer=best)


