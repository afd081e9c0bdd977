"""`sig seed`: render tiles ahead of time, per municipality, layer and level range.

Coverages are the municipalities' geometries read from PostGIS (as sig_reader); MapProxy's
seeder walks the metatiles inside them with a few worker processes, each drawing through the
same long-lived MapServer pool. Levels outside a layer's scale range are skipped (they would
only store blank tiles). `--limpar` removes cached tiles instead (after `sig demo`, which
loads with triggers off, or a new CAOP).
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml

from sig.conf import Settings, get_settings
from sig.maps import mapserver, runtime, tiles

# Levels seeded when none are given: down to about 4 m per pixel.
DEFAULT_LEVELS = {"PTTM06": (0, 9), "GLOBAL_WEBMERCATOR": (0, 15)}
GRIDS = tuple(DEFAULT_LEVELS)

Progress = Callable[[str], None]


class SeedError(Exception):
    """Bad seeding options (message in pt-PT)."""


@dataclass
class SeedPlan:
    layers: list[str]
    municipios: list[str]
    grids: list[str] = field(default_factory=lambda: list(GRIDS))
    levels: tuple[int, int] | None = None


def parse_levels(text: str | None) -> tuple[int, int] | None:
    """"5-9" → (5, 9); "7" → (7, 7)."""
    if not text:
        return None
    low, _, high = text.partition("-")
    try:
        levels = (int(low), int(high or low))
    except ValueError:
        raise SeedError(f"níveis inválidos: {text!r} (use por exemplo 5-9)") from None
    if levels[0] < 0 or levels[0] > levels[1]:
        raise SeedError(f"níveis inválidos: {text!r} (o primeiro deve ser ≤ ao segundo)")
    return levels


def layer_caches(conf: dict) -> dict[str, str]:
    """Layer name → its cache name (layers served from one cache)."""
    return {layer["name"]: layer["sources"][0] for layer in conf["layers"]
            if layer.get("sources") and layer["sources"][0] in conf["caches"]}


def municipality_geometry(municipios: list[str]):
    """Union of the municipalities (EPSG:3763 shapely geometry) read as sig_reader."""
    import shapely

    from sig.db.connect import connect_as

    with connect_as("reader", application_name="sig seed") as conn:
        row = conn.execute("SELECT ST_AsBinary(ST_Union(geom)), count(*) FROM municipio "
                           "WHERE dico = ANY(%s)", (municipios,)).fetchone()
    if not row or row[1] != len(set(municipios)):
        raise SeedError(f"município desconhecido em {', '.join(municipios)}")
    return shapely.from_wkb(bytes(row[0]))


def _levels_for(manager, conf: dict, cache: str, wanted: tuple[int, int]) -> list[int]:
    """Levels of `wanted` where the cache's source draws something."""
    source = conf["sources"].get(conf["caches"][cache]["sources"][0], {})
    coarsest = source.get("min_res")
    grid = manager.grid
    last = min(wanted[1], grid.levels - 1)
    return [level for level in range(wanted[0], last + 1)
            if coarsest is None or grid.resolution(level) <= coarsest]


def build_tasks(plan: SeedPlan, proxy, conf: dict, geometry) -> list:
    from mapproxy.seed.seeder import SeedTask
    from mapproxy.srs import SRS
    from mapproxy.util.coverage import coverage

    caches = layer_caches(conf)
    tasks = []
    for layer in plan.layers:
        for manager in tiles.tile_managers(proxy, caches[layer]):
            grid_name = manager.grid.name
            if grid_name not in plan.grids:
                continue
            levels = _levels_for(manager, conf, caches[layer],
                                 plan.levels or DEFAULT_LEVELS[grid_name])
            if levels:
                md = {"name": layer, "cache_name": caches[layer], "grid_name": grid_name}
                tasks.append(SeedTask(md, manager, levels, None, False,
                                      coverage(geometry, SRS(3763))))
    return tasks


class PtProgress:
    """MapProxy's progress logger interface, in pt-PT, at most one line a second."""

    def __init__(self, say: Progress):
        self.say = say
        self.progress_store = None
        self.current_task_id = None
        self._last = 0.0

    def log_step(self, progress) -> None:
        pass

    def log_message(self, message: str) -> None:
        self.say(message)

    def log_progress(self, progress, level, bbox, count) -> None:
        now = time.monotonic()
        if progress.progress >= 1.0 or now - self._last >= 1.0:
            self._last = now
            self.say(f"  {progress.progress * 100:5.1f}%  nível {level}  ({count} teselas)")


def _check(plan: SeedPlan, conf: dict, settings: Settings) -> None:
    known = layer_caches(conf)
    unknown = [name for name in plan.layers if name not in known]
    if unknown:
        raise SeedError(f"camada desconhecida: {', '.join(unknown)}")
    bad = [dico for dico in plan.municipios if dico not in settings.municipios]
    if bad:
        raise SeedError(f"município fora do serviço: {', '.join(bad)}")
    wrong = [grid for grid in plan.grids if grid not in GRIDS]
    if wrong:
        raise SeedError(f"grelha desconhecida: {', '.join(wrong)} (PTTM06, GLOBAL_WEBMERCATOR)")


def load(settings: Settings | None = None):
    """(settings, MapProxy configuration object, its dict) of this deployment."""
    from mapproxy.config.loader import load_configuration

    logging.getLogger("mapproxy").setLevel(logging.WARNING)
    settings = settings or get_settings()
    maps = runtime.prepare(settings)
    mapserver.register_source()
    conf = yaml.safe_load(maps.mapproxy_config.read_text(encoding="utf-8"))
    return settings, maps, load_configuration(str(maps.mapproxy_config), seed=True), conf


def seed(plan: SeedPlan, processes: int = 2, say: Progress = print) -> int:
    """Render the plan's tiles; returns the number of seeding tasks run."""
    from mapproxy.seed.seeder import seed as mapproxy_seed

    settings, maps, proxy, conf = load()
    plan.layers = plan.layers or list(layer_caches(conf))
    plan.municipios = plan.municipios or list(settings.municipios)
    _check(plan, conf, settings)
    tasks = build_tasks(plan, proxy, conf, municipality_geometry(plan.municipios))
    pool = mapserver.MapServerPool(maps.mapserv_bin, maps.mapserver_env(), processes).start()
    mapserver.configure(mapserver.MapServerRunner(maps.mapserv_bin, maps.mapserver_env(), pool))
    real_stdout = sys.stdout

    def emit(line: str) -> None:  # MapProxy's own English prints are silenced below
        with contextlib.redirect_stdout(real_stdout):
            say(line)

    try:
        for number, task in enumerate(tasks, 1):
            emit(f"[{number}/{len(tasks)}] {task.md['name']} na grelha {task.md['grid_name']}, "
                 f"níveis {task.levels[0]}–{task.levels[-1]}")
            with contextlib.redirect_stdout(io.StringIO()):
                mapproxy_seed([task], concurrency=processes, progress_logger=PtProgress(emit))
    finally:
        pool.stop()
    return len(tasks)


def clear(plan: SeedPlan, say: Progress = print) -> int:
    """Remove cached tiles of the plan's layers (over its municipalities, if given)."""
    settings, _maps, proxy, conf = load()
    everything = not plan.municipios
    plan.layers = plan.layers or list(layer_caches(conf))
    plan.municipios = plan.municipios or list(settings.municipios)
    _check(plan, conf, settings)
    bbox = None if everything else municipality_geometry(plan.municipios).bounds
    caches = layer_caches(conf)
    removed = 0
    for layer in plan.layers:
        for manager in tiles.tile_managers(proxy, caches[layer]):
            if bbox is None:
                tiles.clear_all(manager)
            else:
                removed += tiles.clear_extent(manager, bbox, margin_px=0, metatiles=True)
        say(f"cache limpa: {layer}")
    return removed
