"""DGT's datum grids for PROJ: where they are, and fetching them into `var/proj-grids`.

Neither Debian's proj-data nor the pyproj wheel ship them; without them PROJ silently falls
back to Helmert transformations that are 0.2–2.7 m off in the region, so the importer refuses
files in those datums. The service itself runs without them: missing grids are a warning.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sig.conf import get_settings

DGT_GRIDS = ("pt_dgt_D73_ETRS89_geo.tif", "pt_dgt_DLx_ETRS89_geo.tif")

# The imports each grid makes exact (and that are refused without it).
GRID_DATUMS = {
    "pt_dgt_D73_ETRS89_geo.tif": "Datum 73 (p. ex. EPSG:27493)",
    "pt_dgt_DLx_ETRS89_geo.tif": "Datum Lisboa (p. ex. EPSG:20790, 20791, 5018)",
}


def grids_folder() -> Path:
    """The folder the service uses for the grids (setting, else `var/proj-grids`)."""
    settings = get_settings()
    return Path(settings.proj_grids_dir) if settings.proj_grids_dir else (
        settings.var_dir / "proj-grids")


def missing_grids(folder: Path | None = None) -> list[str]:
    """The DGT grids absent from `folder` (default: the service's grids folder)."""
    folder = folder or grids_folder()
    return [name for name in DGT_GRIDS if not (folder / name).is_file()]


def missing_message(missing: list[str], folder: Path) -> str:
    """pt-PT warning: which grids are missing, which imports are refused, how to add them."""
    datums = " e ".join(GRID_DATUMS[name] for name in missing)
    return (f"grelhas da DGT em falta em {folder}: {', '.join(missing)}. O serviço funciona, "
            f"mas as importações de ficheiros em {datums} são recusadas (sem as grelhas o "
            "PROJ só teria uma aproximação de Helmert, com erros de metros). Para as "
            "juntar: `sig fetch-grids` com rede (usa `projsync`), ou copie os ficheiros "
            f"pt_dgt_*.tif para {folder} (ou aponte SIG_PROJ_GRIDS_DIR para a pasta que os "
            "contém, ou use `sig fetch-grids --fallback PASTA`)")


@dataclass
class GridsFetch:
    """What `fetch_grids` did: grids added to the folder, grids still missing."""

    fetched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _projsync(name: str, target: Path) -> bool:
    if not shutil.which("projsync"):
        return False
    result = subprocess.run(["projsync", "--file", name, "--target-dir", str(target)],
                            capture_output=True, text=True, timeout=120)
    return result.returncode == 0 and (target / name).is_file()


def fetch_grids(fallback: Path | None = None) -> GridsFetch:
    """Get missing grids with projsync (network), else copy them from `fallback`."""
    target = grids_folder()
    target.mkdir(parents=True, exist_ok=True)
    result = GridsFetch()
    for name in missing_grids(target):
        if _projsync(name, target):
            result.fetched.append(name)
        elif fallback and (fallback / name).is_file():
            shutil.copy2(fallback / name, target / name)
            result.fetched.append(name)
        else:
            result.missing.append(name)
    return result
