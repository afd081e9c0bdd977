"""DGT's datum grids for PROJ: where they are, and fetching them into `var/proj-grids`.

Neither Debian's proj-data nor the pyproj wheel ship them; without them PROJ silently falls
back to Helmert transformations that are 0.2–2.7 m off in the region.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sig.conf import get_settings

DGT_GRIDS = ("pt_dgt_D73_ETRS89_geo.tif", "pt_dgt_DLx_ETRS89_geo.tif")


class GridsError(Exception):
    pass


def grids_folder() -> Path:
    """The folder the service uses for the grids (setting, else `var/proj-grids`)."""
    settings = get_settings()
    return Path(settings.proj_grids_dir) if settings.proj_grids_dir else (
        settings.var_dir / "proj-grids")


def missing_grids(folder: Path | None = None) -> list[str]:
    folder = folder or grids_folder()
    return [name for name in DGT_GRIDS if not (folder / name).is_file()]


def _projsync(name: str, target: Path) -> bool:
    if not shutil.which("projsync"):
        return False
    result = subprocess.run(["projsync", "--file", name, "--target-dir", str(target)],
                            capture_output=True, text=True, timeout=120)
    return result.returncode == 0 and (target / name).is_file()


def fetch_grids(fallback: Path | None = None) -> list[str]:
    """Get missing grids with projsync (network), else copy them from `fallback`."""
    target = grids_folder()
    target.mkdir(parents=True, exist_ok=True)
    fetched = []
    for name in missing_grids(target):
        if _projsync(name, target):
            fetched.append(name)
        elif fallback and (fallback / name).is_file():
            shutil.copy2(fallback / name, target / name)
            fetched.append(name)
        else:
            raise GridsError(f"grelha {name} indisponível: sem rede para `projsync --file {name}`"
                             " e sem cópia local (indique uma pasta com --fallback)")
    return fetched
