"""Runtime files of the maps service, written at start from the settings and the database.

The derived files (`mapproxy.yaml`, `data/mapserver/sig.map`) hold no deployment values;
here they meet the deployment: a PostgreSQL service file for `sig_reader` (mode 600), the
MapServer 8 config file (`MAPSERVER_CONFIG_FILE`, which also restricts the mapfiles MapServer
may open), a mapfile of the imported rasters, and `mapproxy.yaml` with `${SIG_*}` resolved,
the chosen cache backend, the coverage of the served municipalities, the raster layers and,
when enabled, the external basemaps. Files are rewritten only when their content changes, so
that MapProxy reloads only then.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from sig.conf import BASE_DIR, Settings, get_settings
from sig.maps import external, rasters
from sig.maps.fallback import uncached_config

log = logging.getLogger("sig.maps")

MAPFILE = BASE_DIR / "data" / "mapserver" / "sig.map"
DERIVED_CONFIG = BASE_DIR / "mapproxy.yaml"
SERVICE_NAME = "sig_reader"
# Margin (metres) around the served municipalities in the sources' coverage.
COVERAGE_MARGIN_M = 2000


@dataclass(frozen=True)
class MapsRuntime:
    """Where the maps service's runtime files are."""

    folder: Path
    cache_dir: Path
    raster_dir: Path
    mapserv_bin: str

    @property
    def pg_service(self) -> Path:
        return self.folder / "pg_service.conf"

    @property
    def mapserver_config(self) -> Path:
        return self.folder / "mapserver.conf"

    @property
    def raster_mapfile(self) -> Path:
        return self.folder / "rasters.map"

    @property
    def mapproxy_config(self) -> Path:
        return self.folder / "mapproxy.yaml"

    @property
    def uncached_mapproxy_config(self) -> Path:
        """The same maps without storing tiles, used while the cache cannot be written."""
        return self.folder / "mapproxy-uncached.yaml"

    @property
    def uncached_lock_dir(self) -> Path:
        return self.folder / "locks-uncached"

    def mapserver_env(self) -> dict[str, str]:
        """Environment of every `mapserv` call (process and FastCGI parameters)."""
        return {"MAPSERVER_CONFIG_FILE": str(self.mapserver_config),
                "PGSERVICEFILE": str(self.pg_service)}


def database_name(settings: Settings) -> str:
    return unquote(urlsplit(settings.database_reader_url).path.lstrip("/")) or settings.db_name


def runtime_for(settings: Settings | None = None) -> MapsRuntime:
    """Runtime and tile cache folders, one per database (several may share a machine)."""
    settings = settings or get_settings()
    binary = shutil.which(settings.mapserv_bin) or settings.mapserv_bin
    name = database_name(settings)
    return MapsRuntime(folder=settings.run_dir / "maps" / name,
                       cache_dir=settings.cache_dir / name,
                       raster_dir=settings.raster_dir, mapserv_bin=binary)


def pg_service_text(url: str, name: str = SERVICE_NAME) -> str:
    """A PostgreSQL service file entry for a connection URL."""
    parts = urlsplit(url)
    entries = {"host": parts.hostname or "", "port": str(parts.port or 5432),
               "dbname": unquote(parts.path.lstrip("/")), "user": unquote(parts.username or "")}
    if parts.password:
        entries["password"] = unquote(parts.password)
    entries.update(dict(parse_qsl(parts.query)))
    entries.setdefault("application_name", "sig-mapserver")
    entries.setdefault("connect_timeout", "5")
    lines = [f"[{name}]"] + [f"{key}={value}" for key, value in entries.items() if value]
    return "\n".join(lines) + "\n"


def _ms_string(text: str) -> str:
    if '"' in text:
        raise ValueError(f"caminho inválido para o MapServer: {text}")
    return f'"{text}"'


def mapserver_config_text(runtime: MapsRuntime) -> str:
    """The MapServer 8 config file: only the service's two mapfiles may be opened."""
    allowed = "|".join(re.escape(str(path)) for path in (MAPFILE, runtime.raster_mapfile))
    return "\n".join([
        "# Written by the maps service at start: do not edit.",
        "CONFIG",
        "  ENV",
        f"    MS_MAP_PATTERN {_ms_string(f'^({allowed})$')}",
        f"    PGSERVICEFILE {_ms_string(str(runtime.pg_service))}",
        "  END",
        "END",
    ]) + "\n"


def resolve(value, values: dict[str, str]):
    """Replace `${NAME}` references in every string of a loaded YAML document."""
    if isinstance(value, dict):
        return {key: resolve(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, values) for item in value]
    if isinstance(value, str):
        return re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), value)
    return value


def _cache_backend(spec: str, cache_name: str) -> dict:
    """MapProxy `cache:` block for SIG_MAPS_CACHE."""
    if spec == "file":
        return {"type": "file", "directory_layout": "tms"}
    if spec == "geopackage":
        return {"type": "geopackage"}
    parts = urlsplit(spec)
    if parts.scheme == "s3":
        prefix = parts.path.strip("/")
        return {"type": "s3", "bucket_name": parts.netloc, "directory_layout": "tms",
                "directory": f"{prefix}/{cache_name}".strip("/")}
    if parts.scheme == "redis":
        return {"type": "redis", "host": parts.hostname or "localhost",
                "port": parts.port or 6379, "db": int(parts.path.strip("/") or 0),
                "prefix": f"{cache_name}_"}
    raise ValueError(f"SIG_MAPS_CACHE inválido: {spec!r} (file, geopackage, s3://… ou redis://…)")


def apply_cache_backend(conf: dict, spec: str) -> None:
    for name, cache in conf["caches"].items():
        cache["cache"] = _cache_backend(spec, name)


def apply_coverage(conf: dict, bbox: tuple[float, float, float, float] | None) -> None:
    """Limit every source to the served municipalities (outside: blank tiles, no render)."""
    if bbox is None:
        return
    coverage = {"bbox": [round(v, 1) for v in bbox], "srs": "EPSG:3763"}
    for source in conf["sources"].values():
        if source.get("type") == "mapserver" and "coverage" in source:
            source["coverage"] = dict(coverage)


def served_extent(settings: Settings) -> tuple[float, float, float, float] | None:
    """EPSG:3763 extent of the served municipalities, with a margin (None when unknown)."""
    from sig.db.connect import connect_as

    try:
        with connect_as("reader", application_name="sig maps") as conn:
            row = conn.execute(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM ("
                "SELECT ST_Extent(geom) AS e FROM municipio WHERE dico = ANY(%s)) s",
                (list(settings.municipios),)).fetchone()
    except Exception as exc:  # no database yet: the mainland coverage stays
        log.warning("extensão dos municípios indisponível: %s", exc)
        return None
    if not row or row[0] is None:
        return None
    m = COVERAGE_MARGIN_M
    return (row[0] - m, row[1] - m, row[2] + m, row[3] + m)


def mapproxy_config(runtime: MapsRuntime, settings: Settings,
                    layers: list[rasters.RasterLayer]) -> dict:
    """The resolved MapProxy configuration of this deployment."""
    values = {"SIG_MAPFILE": str(MAPFILE), "SIG_MAPFILE_DIR": str(MAPFILE.parent),
              "SIG_CACHE_DIR": str(runtime.cache_dir), "SIG_MAPSERV_BIN": runtime.mapserv_bin,
              "SIG_RASTER_MAPFILE": str(runtime.raster_mapfile)}
    conf = yaml.safe_load(DERIVED_CONFIG.read_text(encoding="utf-8"))
    apply_coverage(conf, served_extent(settings))
    rasters.add_to_mapproxy(conf, layers)
    if settings.maps_external_basemaps:
        external.add_to_mapproxy(conf)
    conf = resolve(conf, values)
    apply_cache_backend(conf, settings.maps_cache)
    return conf


def write_if_changed(path: Path, content: str, mode: int = 0o644) -> bool:
    """Atomic write, skipped when the content is the same; returns whether it wrote."""
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(content, encoding="utf-8")
    os.chmod(temporary, mode)
    os.replace(temporary, path)
    return True


def prepare(settings: Settings | None = None) -> MapsRuntime:
    """Write every runtime file; returns where they are."""
    settings = settings or get_settings()
    runtime = runtime_for(settings)
    runtime.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(runtime.folder, 0o700)
    runtime.cache_dir.mkdir(parents=True, exist_ok=True)
    layers = rasters.registered(settings)
    write_if_changed(runtime.pg_service, pg_service_text(settings.database_reader_url), 0o600)
    write_if_changed(runtime.mapserver_config, mapserver_config_text(runtime))
    write_if_changed(runtime.raster_mapfile, rasters.mapfile_text(layers))
    conf = mapproxy_config(runtime, settings, layers)
    runtime.uncached_lock_dir.mkdir(exist_ok=True)
    _write_mapproxy(runtime.uncached_mapproxy_config,
                    uncached_config(conf, runtime.uncached_lock_dir))
    _write_mapproxy(runtime.mapproxy_config, conf)
    return runtime


def _write_mapproxy(path: Path, conf: dict) -> None:
    text = yaml.safe_dump(conf, allow_unicode=True, sort_keys=False, width=100)
    write_if_changed(path, "# Written by the maps service: do not edit.\n" + text)
