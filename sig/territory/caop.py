"""Load CAOP municipalities and freguesias into `municipio` / `freguesia` (EPSG:3763).

Sources: GeoJSON or GeoPackage files, folders of them, or DGT's CAOP OGC API collections
(`…/collections/municipios`, `…/collections/freguesias`, base URL `SIG_CAOP_URL`). Only the
configured municipalities are kept. Layers are recognised by their fields: `dtmn` + `municipio`,
or `dtmnfr` + `freguesia`. When the official source cannot be read (no network), the fallback
is `SIG_CAOP_FALLBACK`, by default the extract the project ships in `data/caop/`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio

from sig.conf import BASE_DIR, EMBEDDED_CAOP, get_settings
from sig.db.connect import connect_as

log = logging.getLogger(__name__)

SPATIAL_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip"}


class CaopError(Exception):
    pass


@dataclass
class CaopLoad:
    municipios: int = 0
    freguesias: int = 0


def official_sources() -> list[str]:
    """DGT's CAOP OGC API collections (municipalities, freguesias) at `SIG_CAOP_URL`."""
    base = get_settings().caop_url
    return [f"{base}/municipios", f"{base}/freguesias"]


def fallback_source() -> str:
    """The CAOP to load when the official source cannot be read (`SIG_CAOP_FALLBACK`)."""
    return str(get_settings().caop_fallback)


def describe_source(source: str) -> str:
    """A label for the `fonte` column: the embedded extract by its path in the project."""
    path = Path(source)
    if path.resolve() == EMBEDDED_CAOP.resolve():
        return f"DGT — CAOP, extrato incluído no projeto ({path.resolve().relative_to(BASE_DIR)})"
    return source


def loaded_count() -> int:
    """Municipalities in the database."""
    with connect_as("app") as conn:
        row = conn.execute("SELECT count(*) FROM municipio").fetchone()
    return int(row[0]) if row else 0


def _expand(source: str) -> list[str]:
    if source.startswith(("http://", "https://")):
        return [f"OAPIF:{source}" if "/collections/" in source else source]
    path = Path(source)
    if path.is_dir():
        return [str(p) for p in sorted(path.iterdir()) if p.suffix.lower() in SPATIAL_SUFFIXES]
    if not path.exists():
        raise CaopError(f"fonte CAOP não encontrada: {source}")
    return [source]


def _layers(dataset: str) -> list[str | None]:
    try:
        names: list[str | None] = [str(row[0]) for row in pyogrio.list_layers(dataset)]
    except Exception as exc:  # GDAL raises several types for unreadable or unreachable sources
        raise CaopError(f"não foi possível ler {dataset}: {exc}") from exc
    return names if len(names) > 1 else [None]


def _kind(columns: set[str]) -> str | None:
    if {"dtmnfr", "freguesia"} <= columns:
        return "freguesia"
    if {"dtmn", "municipio"} <= columns:
        return "municipio"
    return None


def read_frames(sources: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """Read every recognisable layer, reprojected to EPSG:3763, keyed by kind."""
    frames: dict[str, list[gpd.GeoDataFrame]] = {"municipio": [], "freguesia": []}
    for source in sources:
        for dataset in _expand(source):
            for layer in _layers(dataset):
                info = pyogrio.read_info(dataset, layer=layer)
                kind = _kind({str(f).lower() for f in info["fields"]})
                if kind is None:
                    log.info("camada ignorada (sem dtmn/dtmnfr): %s %s", dataset, layer or "")
                    continue
                frame = pyogrio.read_dataframe(dataset, layer=layer)
                frame.columns = [str(c).lower() if c != "geometry" else c for c in frame.columns]
                if frame.crs is None:
                    frame = frame.set_crs(4326)
                frames[kind].append(frame.to_crs(3763))
    return {kind: gpd.pd.concat(parts, ignore_index=True)
            for kind, parts in frames.items() if parts}


def _multi(geometry):
    from shapely import MultiPolygon, make_valid

    geometry = make_valid(geometry)
    if geometry.geom_type == "Polygon":
        return MultiPolygon([geometry])
    if geometry.geom_type == "GeometryCollection":
        polygons = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        from shapely.ops import unary_union

        return _multi(unary_union(polygons))
    return geometry


def configured_frames(sources: list[str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Municipalities and freguesias of `sources` restricted to the configured municipalities."""
    wanted = set(get_settings().municipios)
    frames = read_frames(sources)
    if "municipio" not in frames:
        raise CaopError("nenhuma camada de municípios (campos dtmn, municipio) nas fontes")
    municipios = frames["municipio"]
    municipios = municipios[municipios["dtmn"].astype(str).isin(wanted)]
    missing = wanted - set(municipios["dtmn"].astype(str))
    if missing:
        raise CaopError(f"municípios configurados em falta na fonte: {', '.join(sorted(missing))}")
    freguesias = frames.get("freguesia")
    if freguesias is not None:
        codes = freguesias["dtmnfr"].astype(str)
        freguesias = freguesias[codes.str[:4].isin(wanted)]
    return municipios, freguesias


def load_caop(sources: list[str], label: str | None = None) -> CaopLoad:
    """Replace the served municipalities and freguesias with those found in `sources`."""
    municipios, freguesias = configured_frames(sources)
    label = label or ", ".join(describe_source(s) for s in sources)
    return _store(municipios, freguesias, get_settings().boundary_tolerance_m, label)


def load_official_or_fallback(sources: list[str] | None = None,
                              fallback: str | None = None) -> tuple[CaopLoad, str | None]:
    """Load `sources` (default: the official ones); when they fail, load the fallback.

    Without explicit `sources` the fallback defaults to `SIG_CAOP_FALLBACK` (the embedded
    extract). Returns the load and, when the fallback was used, the warning to show.
    """
    fallback = fallback or (None if sources else fallback_source())
    try:
        return load_caop(sources or official_sources()), None
    except CaopError as exc:
        if not fallback:
            raise
        warning = f"{exc}; a usar {describe_source(fallback)}"
        return load_caop([fallback]), warning


def _store(municipios, freguesias, tolerance: float, label: str) -> CaopLoad:
    result = CaopLoad()
    with connect_as("owner", application_name="sig load-caop") as conn, conn.cursor() as cur:
        for row in municipios.itertuples():
            cur.execute(
                """INSERT INTO municipio (dico, nome, geom, geom_limite, tolerancia_m, fonte)
                   SELECT %(dico)s, %(nome)s, g, ST_Multi(ST_Buffer(g, %(tol)s)), %(tol)s, %(fonte)s
                   FROM (SELECT ST_SetSRID(ST_GeomFromWKB(%(wkb)s), 3763) AS g) s
                   ON CONFLICT (dico) DO UPDATE SET nome = EXCLUDED.nome, geom = EXCLUDED.geom,
                     geom_limite = EXCLUDED.geom_limite, tolerancia_m = EXCLUDED.tolerancia_m,
                     fonte = EXCLUDED.fonte""",
                {"dico": str(row.dtmn), "nome": row.municipio, "wkb": _multi(row.geometry).wkb,
                 "tol": tolerance, "fonte": label})
            result.municipios += 1
        if freguesias is not None:
            for row in freguesias.itertuples():
                cur.execute(
                    """INSERT INTO freguesia (dicofre, nome, municipio, geom, fonte)
                       VALUES (%(code)s, %(nome)s, %(mun)s,
                               ST_SetSRID(ST_GeomFromWKB(%(wkb)s), 3763), %(fonte)s)
                       ON CONFLICT (dicofre) DO UPDATE SET nome = EXCLUDED.nome,
                         municipio = EXCLUDED.municipio, geom = EXCLUDED.geom,
                         fonte = EXCLUDED.fonte""",
                    {"code": str(row.dtmnfr), "nome": row.freguesia, "mun": str(row.dtmnfr)[:4],
                     "wkb": _multi(row.geometry).wkb, "fonte": label})
                result.freguesias += 1
        conn.commit()
    return result
