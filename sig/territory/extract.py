"""The CAOP extract the project ships: configured municipalities and freguesias, one GeoPackage.

`sig caop-extract [SOURCE…]` reads any CAOP source `sig load-caop` reads (DGT's OGC API by
default, or files), keeps the configured municipalities (`SIG_MUNICIPIOS`) and their freguesias,
in EPSG:3763, optionally simplifies them, and writes `data/caop/caop-cimrl.gpkg` with the
licence and attribution in each layer's description and metadata. `sig load-caop` loads it
when the official source cannot be read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pyogrio

from sig.conf import EMBEDDED_CAOP
from sig.territory.caop import SPATIAL_SUFFIXES, configured_frames, official_sources

logging.getLogger("pyogrio").setLevel(logging.WARNING)  # no "Created N records" lines

LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
ATTRIBUTION = ("© Direção-Geral do Território (DGT) — CAOP "
               "(Carta Administrativa Oficial de Portugal)")
# Layer name → attribute columns kept (the fields `sig load-caop` recognises, and the district).
LAYERS = {
    "municipios": ["dtmn", "municipio", "distrito_ilha"],
    "freguesias": ["dtmnfr", "freguesia"],
}
TITLES = {"municipios": "Municípios", "freguesias": "Freguesias"}


@dataclass
class Extract:
    """What was written."""

    path: Path
    municipios: int
    freguesias: int

    @property
    def size_kb(self) -> float:
        return self.path.stat().st_size / 1024


def _columns(frame: gpd.GeoDataFrame, wanted: list[str]) -> gpd.GeoDataFrame:
    """The wanted attribute columns that exist (as text), the geometry last."""
    kept = [c for c in wanted if c in frame.columns]
    result = frame[[*kept, "geometry"]].copy()
    for column in kept:
        result[column] = result[column].astype(str)
    return result.sort_values(kept[0]).reset_index(drop=True)


def _simplify(frame: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Douglas–Peucker with topology preserved per feature; 0 leaves the geometry as it is."""
    if tolerance_m > 0:
        frame = frame.copy()
        frame["geometry"] = frame.geometry.simplify(tolerance_m, preserve_topology=True)
    return frame


def source_names(sources: list[str]) -> list[str]:
    """The sources as recorded in the metadata: URLs, and file names without their folders."""
    names = []
    for source in sources:
        path = Path(source)
        if source.startswith(("http://", "https://")):
            names.append(source)
        elif path.is_dir():
            names += sorted(p.name for p in path.iterdir() if p.suffix.lower() in SPATIAL_SUFFIXES)
        else:
            names.append(path.name)
    return names


def _metadata(kind: str, sources: list[str], tolerance_m: float,
              edition: str) -> dict[str, str]:
    """Layer metadata stored in the GeoPackage (gpkg_metadata)."""
    return {
        "EDITION": edition,
        "TITLE": f"CAOP — {TITLES[kind]} (municípios configurados, EPSG:3763)",
        "ATTRIBUTION": ATTRIBUTION,
        "LICENSE": LICENCE,
        "SOURCE": ", ".join(source_names(sources)),
        "SIMPLIFICATION_M": f"{tolerance_m:g}",
        "CREATED_WITH": "sig caop-extract",
    }


def _description(kind: str, tolerance_m: float, edition: str) -> str:
    """The layer's description (gpkg_contents): what, which edition, licence, attribution."""
    simplified = f" Simplificado a {tolerance_m:g} m." if tolerance_m > 0 else ""
    return (f"{TITLES[kind]} da CAOP. Edição: {edition}.{simplified} {ATTRIBUTION}. "
            f"Licença {LICENCE}.")


def _write(frame: gpd.GeoDataFrame, output: Path, layer: str, *, sources: list[str],
           tolerance_m: float, edition: str, append: bool) -> None:
    """One layer; GeoPackage 1.2 (read by the OS's GDAL too), no spatial index (83 features)."""
    pyogrio.write_dataframe(
        frame, output, layer=layer, driver="GPKG", append=append,
        promote_to_multi=True, layer_metadata=_metadata(layer, sources, tolerance_m, edition),
        dataset_options=None if append else {"VERSION": "1.2"},
        layer_options={"IDENTIFIER": f"caop_{layer}", "SPATIAL_INDEX": "NO",
                       "DESCRIPTION": _description(layer, tolerance_m, edition)})


def default_edition(sources: list[str]) -> str:
    """Without a stated edition: the CAOP DGT's OGC API serves today, else unstated."""
    if all(s.startswith(("http://", "https://")) for s in sources):
        return f"CAOP servida pela OGC API da DGT em {datetime.now(UTC):%Y-%m-%d}"
    return "edição não indicada"


def make_extract(sources: list[str] | None = None, output: str | Path | None = None, *,
                 simplify_m: float = 0.0, edition: str | None = None) -> Extract:
    """Write the configured municipalities and freguesias of `sources` to one GeoPackage."""
    sources = sources or official_sources()
    edition = edition or default_edition(sources)
    output = Path(output or EMBEDDED_CAOP)
    municipios, freguesias = configured_frames(sources)
    if freguesias is None:
        raise ValueError("a fonte não tem freguesias (campos dtmnfr, freguesia)")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.unlink(missing_ok=True)
    # The GeoPackage's timestamps say the day, not the second: re-runs on a day are identical.
    day = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": day})
    frames = {"municipios": municipios, "freguesias": freguesias}
    for index, (layer, columns) in enumerate(LAYERS.items()):
        frame = _simplify(_columns(frames[layer], columns), simplify_m)
        _write(frame, output, layer, sources=sources, tolerance_m=simplify_m, edition=edition,
               append=index > 0)
    return Extract(output, len(municipios), len(freguesias))
