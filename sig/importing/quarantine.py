"""Export a run's quarantine as a GeoPackage the municipality can fix and send back.

One layer per source layer, with the original attributes (names as in the source), the
original geometry in the source CRS, and the reasons in `_motivos`.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from sig.importing import runs
from sig.importing.errors import ImportRefused

EXTRA = ("_motivos", "_camada", "_fid", "_chave")


def _rows(conn, run_id: int) -> list[tuple]:
    return conn.execute(
        "SELECT layer, seq, fid, fonte_id, reasons, attributes, geom_original "
        "FROM importing_quarantine WHERE run_id = %s ORDER BY seq", (run_id,)).fetchall()


def _plain(values: list) -> list:
    """A column GDAL can write: numbers stay numbers, anything else becomes text."""
    def numeric(v):
        return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))

    if all(numeric(v) for v in values) or all(v is None or isinstance(v, bool) for v in values):
        return values
    return [None if v is None else (json.dumps(v, ensure_ascii=False)
                                    if isinstance(v, (dict, list)) else str(v)) for v in values]


def _frame(rows: list[tuple], crs: CRS | None) -> gpd.GeoDataFrame:
    names: OrderedDict[str, None] = OrderedDict()
    for row in rows:
        for key in row[5] or {}:
            names.setdefault(key if key not in EXTRA else f"{key}_original", None)
    data: dict[str, list] = {name: [] for name in names}
    for row in rows:
        attributes = {(k if k not in EXTRA else f"{k}_original"): v
                      for k, v in (row[5] or {}).items()}
        for name in names:
            data[name].append(attributes.get(name))
    frame = pd.DataFrame({name: _plain(values) for name, values in data.items()})
    frame["_motivos"] = ["; ".join(r[4]) for r in rows]
    frame["_camada"] = [r[0] for r in rows]
    frame["_fid"] = [r[2] for r in rows]
    frame["_chave"] = [r[3] for r in rows]
    geoms = shapely.from_wkb([bytes(r[6]) if r[6] is not None else None for r in rows])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)


def _layer_crs(run: dict) -> dict[str, CRS | None]:
    found: dict[str, CRS | None] = {}
    for layer in run.get("layers") or []:
        wkt = layer.get("crs_wkt")
        found[layer.get("camada")] = CRS.from_wkt(wkt) if wkt else None
    return found


def export(run_id: int, output: str | Path) -> dict[str, int]:
    """Write the quarantine of `run_id` to `output` (GeoPackage); returns features per layer."""
    with runs.bookkeeping() as conn:
        run = runs.get(conn, run_id)
        if run is None:
            raise ImportRefused(f"a importação {run_id} não existe")
        rows = _rows(conn, run_id)
    if not rows:
        raise ImportRefused(f"a importação {run_id} não tem elementos em quarentena")
    target = Path(output)
    if target.exists():
        target.unlink()
    crs_by_layer = _layer_crs(run)
    by_layer: OrderedDict[str, list[tuple]] = OrderedDict()
    for row in rows:
        by_layer.setdefault(row[0], []).append(row)
    written: dict[str, int] = {}
    quiet = logging.getLogger("pyogrio._io")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # one INFO line per layer otherwise
    try:
        for index, (layer, layer_rows) in enumerate(by_layer.items()):
            frame = _frame(layer_rows, crs_by_layer.get(layer))
            # GeoPackage 1.2: older GDAL/QGIS open it without warnings.
            pyogrio.write_dataframe(frame, target, layer=layer, driver="GPKG",
                                    geometry_type="Unknown", promote_to_multi=False,
                                    append=index > 0, layer_options={"FID": "gpkg_fid"},
                                    dataset_options={"VERSION": "1.2"} if index == 0 else None)
            written[layer] = len(frame)
    finally:
        quiet.setLevel(level)
    return written
