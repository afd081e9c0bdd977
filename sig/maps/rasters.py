"""Raster layers: GeoTIFF → Cloud Optimized GeoTIFF in EPSG:3763, their registry and map config.

`sig import-raster FILE --nome NOME` writes `<raster folder>/<nome>.tif` (COG with overviews;
JPEG for 3-band orthophotos, DEFLATE otherwise) and, for a DEM, `<nome>_relevo.tif` (hillshade,
8-bit), then records the layer in table `maps_raster` and notifies the running service, which
adds it to MapServer (`rasters.map`) and MapProxy. Files are written beside their target and
renamed at the end: a failed import leaves nothing half-written.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sig.conf import BASE_DIR, Settings, get_settings
from sig.maps.vocabulary import map_head

log = logging.getLogger("sig.maps.rasters")

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ORTHOPHOTO, DEM = "ortofoto", "mdt"
TITLES = {ORTHOPHOTO: "Ortofotomapa", DEM: "Modelo digital do terreno"}
RESERVED = {"mapa_base", "limites_administrativos", "ortofotos_dgt", "openstreetmap"}
FONTSET = BASE_DIR / "data" / "mapserver" / "fonts.txt"
CONFIG_CHANNEL = "sig_maps_config"
# Hillshade: light from the north-west, 45° above the horizon.
AZIMUTH, ALTITUDE = 315.0, 45.0
BLOCK_ROWS = 1024


class RasterImportError(Exception):
    """The raster cannot be imported (message in pt-PT)."""


@dataclass(frozen=True)
class RasterLayer:
    """A registered raster, as MapServer and MapProxy need it."""

    nome: str
    titulo: str
    tipo: str
    path: Path
    relief_path: Path | None
    bbox: tuple[float, float, float, float]
    valor_min: float | None = None
    valor_max: float | None = None


# --- registry -------------------------------------------------------------------------------

SELECT = ("SELECT nome, titulo, tipo, ficheiro, ficheiro_relevo, ST_XMin(extensao), "
          "ST_YMin(extensao), ST_XMax(extensao), ST_YMax(extensao), valor_min, valor_max "
          "FROM maps_raster ORDER BY nome")


def _layer(row, folder: Path) -> RasterLayer:
    nome, titulo, tipo, ficheiro, relevo, *rest = row
    return RasterLayer(nome, titulo, tipo, folder / ficheiro,
                       folder / relevo if relevo else None, tuple(rest[:4]), rest[4], rest[5])


def registered(settings: Settings | None = None) -> list[RasterLayer]:
    """Registered rasters whose files exist (read as sig_reader)."""
    from sig.db.connect import connect_as

    settings = settings or get_settings()
    try:
        with connect_as("reader", application_name="sig maps") as conn:
            rows = conn.execute(SELECT).fetchall()
    except Exception as exc:  # no database or table yet: no raster layers
        log.warning("registo de rasters indisponível: %s", exc)
        return []
    layers = [_layer(row, settings.raster_dir) for row in rows]
    missing = [layer.nome for layer in layers if not layer.path.is_file()]
    if missing:
        log.warning("rasters registados sem ficheiro em %s: %s", settings.raster_dir,
                    ", ".join(missing))
    return [layer for layer in layers if layer.path.is_file()]


# --- MapServer and MapProxy -----------------------------------------------------------------

MAP_HEAD = "# Written by the maps service from table maps_raster: do not edit.\n" + map_head(
    "rasters", "#ffffff", str(FONTSET)) + """
  WEB
    METADATA
      "wms_title" "Rasters"
      "wms_srs" "EPSG:3763 EPSG:3857 EPSG:4326"
      "wms_enable_request" "GetMap GetLegendGraphic GetCapabilities"
    END
  END"""


def _raster_layer(name: str, path: Path, extra: list[str]) -> list[str]:
    return ["  LAYER", f'    NAME "{name}"', "    TYPE RASTER", "    STATUS ON",
            f'    DATA "{path}"', '    PROJECTION "init=epsg:3763" END', *extra, "  END"]


def _dem_classes(layer: RasterLayer) -> list[str]:
    low = layer.valor_min if layer.valor_min is not None else 0.0
    high = layer.valor_max if layer.valor_max is not None and layer.valor_max > low else low + 1
    middle = (low + high) / 2
    return ["    CLASS", '      NAME "Altitude"',
            f"      EXPRESSION ([pixel] >= {low:g} AND [pixel] <= {high:g})",
            f'      STYLE COLORRANGE "#1a9641" "#ffffbf" DATARANGE {low:g} {middle:g} END',
            f'      STYLE COLORRANGE "#ffffbf" "#a6611a" DATARANGE {middle:g} {high:g} END',
            "    END"]


def _layers_for(layer: RasterLayer) -> list[str]:
    if layer.tipo != DEM:
        return _raster_layer(layer.nome, layer.path, ['    PROCESSING "RESAMPLE=BILINEAR"'])
    group = f'    GROUP "{layer.nome}"'
    lines = _raster_layer(f"{layer.nome}_altitude", layer.path,
                          [group, '    PROCESSING "RESAMPLE=BILINEAR"', *_dem_classes(layer)])
    if layer.relief_path:
        lines += _raster_layer(f"{layer.nome}_relevo", layer.relief_path,
                               [group, "    COMPOSITE OPACITY 55 END", "    OFFSITE 0 0 0",
                                '    PROCESSING "RESAMPLE=BILINEAR"'])
    return lines


def mapfile_text(layers: list[RasterLayer]) -> str:
    lines = [MAP_HEAD]
    for layer in layers:
        lines += _layers_for(layer)
    return "\n".join(lines + ["END"]) + "\n"


def add_to_mapproxy(conf: dict, layers: list[RasterLayer]) -> None:
    """Sources, caches and layers of the rasters (map path resolved later)."""
    for layer in layers:
        conf["sources"][f"{layer.nome}_src"] = {
            "type": "mapserver",
            "req": {"layers": layer.nome, "map": "${SIG_RASTER_MAPFILE}", "transparent": True},
            "coverage": {"bbox": [round(v, 2) for v in layer.bbox], "srs": "EPSG:3763"},
            "supported_srs": ["EPSG:3763", "EPSG:3857"],
        }
        conf["caches"][f"{layer.nome}_cache"] = {
            "grids": ["GLOBAL_WEBMERCATOR", "PTTM06"], "sources": [f"{layer.nome}_src"],
            "format": "image/jpeg" if layer.tipo == ORTHOPHOTO else "image/png",
            "meta_size": [4, 4], "meta_buffer": 16,
            "cache": {"type": "file", "directory_layout": "tms"},
        }
        conf["layers"].append({"name": layer.nome, "title": layer.titulo,
                               "sources": [f"{layer.nome}_cache"]})


# --- import ---------------------------------------------------------------------------------

def check_name(nome: str, taken: set[str]) -> None:
    if not NAME.match(nome):
        raise RasterImportError(f"nome inválido: {nome!r} (letras minúsculas, algarismos e _, "
                                "a começar por uma letra, até 40 caracteres)")
    if nome in taken or nome in RESERVED or nome.endswith(("_relevo", "_altitude")):
        raise RasterImportError(f"o nome {nome!r} já é usado por outra camada")


def guess_kind(count: int, dtype: str) -> str:
    """ortofoto for 3/4-band 8-bit images, mdt for one numeric band."""
    if count in (3, 4) and dtype == "uint8":
        return ORTHOPHOTO
    if count == 1 and dtype != "uint8":
        return DEM
    raise RasterImportError(f"não sei que tipo de raster é ({count} bandas, {dtype}): "
                            "indique --tipo ortofoto ou --tipo mdt")


def hillshade(z: np.ndarray, res_x: float, res_y: float, valid: np.ndarray) -> np.ndarray:
    """8-bit hillshade (1–255; 0 where there is no data), Horn-style angles as in ESRI/GDAL."""
    d_south, d_east = np.gradient(z.astype("float64"), res_y, res_x)
    slope = np.arctan(np.hypot(d_east, d_south))
    aspect = np.arctan2(d_south, -d_east)
    zenith = np.radians(90.0 - ALTITUDE)
    azimuth = np.radians(360.0 - AZIMUTH + 90.0)
    shaded = (np.cos(zenith) * np.cos(slope)
              + np.sin(zenith) * np.sin(slope) * np.cos(azimuth - aspect))
    out = np.clip(1 + 254 * shaded, 1, 255).astype("uint8")
    out[~valid] = 0
    return out


@dataclass(frozen=True)
class ImportResult:
    layer: RasterLayer
    width: int
    height: int
    bands: int
    dtype: str
    resolution: float
    nodata: float | None
    source: str


Progress = Callable[[str], None]


def _cog_options(kind: str, count: int) -> dict:
    options = {"BLOCKSIZE": "512", "OVERVIEWS": "AUTO", "BIGTIFF": "IF_SAFER",
               "NUM_THREADS": "ALL_CPUS"}
    if kind == ORTHOPHOTO and count == 3:
        return {**options, "COMPRESS": "JPEG", "QUALITY": "85", "RESAMPLING": "AVERAGE"}
    return {**options, "COMPRESS": "DEFLATE", "PREDICTOR": "YES",
            "RESAMPLING": "AVERAGE" if kind == ORTHOPHOTO else "BILINEAR"}


def write_cog(source: Path, target: Path, kind: str) -> None:
    """Reproject `source` to EPSG:3763 and write a COG at `target`."""
    import rasterio
    import rasterio.shutil
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    with rasterio.open(source) as src:
        nodata = src.nodata
        if kind == DEM and nodata is None:
            nodata = -9999.0
        resampling = Resampling.bilinear if kind == DEM else Resampling.cubic
        with WarpedVRT(src, crs="EPSG:3763", resampling=resampling, nodata=nodata) as vrt:
            rasterio.shutil.copy(vrt, target, driver="COG", **_cog_options(kind, src.count))


def _relief_blocks(src, dst, progress: Progress) -> None:
    res_x, res_y = src.res
    height = src.height
    for start in range(0, height, BLOCK_ROWS):
        top, bottom = max(0, start - 1), min(height, start + BLOCK_ROWS + 1)
        window = ((top, bottom), (0, src.width))
        data = src.read(1, window=window, masked=True)
        shade = hillshade(data.filled(0), res_x, res_y, ~np.ma.getmaskarray(data))
        keep = shade[start - top:start - top + min(BLOCK_ROWS, height - start)]
        dst.write(keep, 1, window=((start, start + keep.shape[0]), (0, src.width)))
        progress(f"relevo sombreado: {min(100, round(100 * bottom / height))}%")


def write_relief(dem: Path, target: Path, progress: Progress) -> None:
    """Hillshade of a DEM COG, itself written as a COG."""
    import rasterio
    import rasterio.shutil

    scratch = target.with_name(f".{target.stem}.work.tif")
    with rasterio.open(dem) as src:
        profile = {"driver": "GTiff", "width": src.width, "height": src.height, "count": 1,
                   "dtype": "uint8", "crs": src.crs, "transform": src.transform, "nodata": 0,
                   "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate"}
        with rasterio.open(scratch, "w", **profile) as dst:
            _relief_blocks(src, dst, progress)
    try:
        rasterio.shutil.copy(scratch, target, driver="COG", **_cog_options(DEM, 1))
    finally:
        scratch.unlink(missing_ok=True)


def describe(path: Path, kind: str) -> dict:
    """Size, type, extent and (for a DEM) value range of a COG."""
    import rasterio

    with rasterio.open(path) as src:
        info = {"width": src.width, "height": src.height, "bands": src.count,
                "dtype": src.dtypes[0], "resolution": float(src.res[0]), "nodata": src.nodata,
                "bbox": tuple(float(v) for v in src.bounds), "min": None, "max": None}
        if kind == DEM:
            level = src.overviews(1)[-1] if src.overviews(1) else 1
            sample = src.read(1, masked=True, out_shape=(max(1, src.height // level),
                                                         max(1, src.width // level)))
            if sample.count():
                info["min"], info["max"] = float(sample.min()), float(sample.max())
    return info


def check_source(source: Path, kind: str | None) -> str:
    """Open the source; returns the raster kind (errors in pt-PT)."""
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    if not source.is_file():
        raise RasterImportError(f"ficheiro não encontrado: {source}")
    warnings.simplefilter("ignore", NotGeoreferencedWarning)  # reported below, in pt-PT
    try:
        with rasterio.open(source) as src:
            if src.crs is None:
                raise RasterImportError(f"{source.name} não tem sistema de coordenadas")
            return kind or guess_kind(src.count, src.dtypes[0])
    except RasterioIOError as exc:
        raise RasterImportError(f"{source.name} não é um raster legível: {exc}") from exc


def produce(source: Path, nome: str, kind: str, folder: Path, progress: Progress) -> list[Path]:
    """Write the COG (and relief) beside their final names; returns the temporary files."""
    from rasterio.errors import RasterioError

    folder.mkdir(parents=True, exist_ok=True)
    outputs = [folder / f".{nome}.{os.getpid()}.tif"]
    try:
        progress(f"a escrever {nome}.tif (COG em EPSG:3763, com vistas gerais)")
        write_cog(source, outputs[0], kind)
        if kind == DEM:
            outputs.append(folder / f".{nome}_relevo.{os.getpid()}.tif")
            write_relief(outputs[0], outputs[1], progress)
    except (RasterioError, OSError, ValueError) as exc:
        for partial in outputs:
            partial.unlink(missing_ok=True)
        raise RasterImportError(f"não foi possível converter {source.name}: {exc}") from exc
    return outputs


UPSERT = """
INSERT INTO maps_raster (nome, titulo, tipo, ficheiro, ficheiro_relevo, largura, altura, bandas,
                         tipo_dados, resolucao, nodata, valor_min, valor_max, extensao, fonte,
                         importado_em)
VALUES (%(nome)s, %(titulo)s, %(tipo)s, %(ficheiro)s, %(relevo)s, %(width)s, %(height)s,
        %(bands)s, %(dtype)s, %(resolution)s, %(nodata)s, %(min)s, %(max)s,
        ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 3763), %(fonte)s, now())
ON CONFLICT (nome) DO UPDATE SET
  titulo = EXCLUDED.titulo, tipo = EXCLUDED.tipo, ficheiro = EXCLUDED.ficheiro,
  ficheiro_relevo = EXCLUDED.ficheiro_relevo, largura = EXCLUDED.largura,
  altura = EXCLUDED.altura, bandas = EXCLUDED.bandas, tipo_dados = EXCLUDED.tipo_dados,
  resolucao = EXCLUDED.resolucao, nodata = EXCLUDED.nodata, valor_min = EXCLUDED.valor_min,
  valor_max = EXCLUDED.valor_max, extensao = EXCLUDED.extensao, fonte = EXCLUDED.fonte,
  importado_em = now()
"""


def _row(nome: str, titulo: str, kind: str, info: dict, source: Path) -> dict:
    minx, miny, maxx, maxy = info["bbox"]
    return {"nome": nome, "titulo": titulo, "tipo": kind, "ficheiro": f"{nome}.tif",
            "relevo": f"{nome}_relevo.tif" if kind == DEM else "", "width": info["width"],
            "height": info["height"], "bands": info["bands"], "dtype": info["dtype"],
            "resolution": info["resolution"], "nodata": info["nodata"], "min": info["min"],
            "max": info["max"], "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
            "fonte": source.name}


def _register(row: dict, outputs: list[Path], folder: Path) -> None:
    """Row and files together: files are renamed into place just before the commit."""
    from sig.db.connect import connect_as

    with connect_as("owner", application_name="sig import-raster") as conn:
        conn.execute(UPSERT, row)
        conn.execute("SELECT pg_notify(%s, %s)", (CONFIG_CHANNEL, row["nome"]))
        os.replace(outputs[0], folder / row["ficheiro"])
        if len(outputs) > 1:
            os.replace(outputs[1], folder / row["relevo"])
        conn.commit()


def import_raster(source: Path, nome: str, kind: str | None = None, titulo: str | None = None,
                  progress: Progress = log.info, settings: Settings | None = None) -> ImportResult:
    """Import a GeoTIFF as layer `nome`; nothing is left behind when it fails."""
    from sig.registry import get_registry

    settings = settings or get_settings()
    check_name(nome, {theme.id for theme in get_registry()})
    kind = check_source(source, kind)
    folder = settings.raster_dir
    outputs = produce(source, nome, kind, folder, progress)
    try:
        info = describe(outputs[0], kind)
        row = _row(nome, titulo or f"{TITLES[kind]} {nome}", kind, info, source)
        _register(row, outputs, folder)
    finally:
        for leftover in outputs:
            leftover.unlink(missing_ok=True)
    layer = RasterLayer(nome, row["titulo"], kind, folder / row["ficheiro"],
                        folder / row["relevo"] if row["relevo"] else None, info["bbox"],
                        info["min"], info["max"])
    return ImportResult(layer, info["width"], info["height"], info["bands"], info["dtype"],
                        info["resolution"], info["nodata"], source.name)
