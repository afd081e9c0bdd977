"""Files derived from the layer registry, and the check that they are up to date.

Each generator is a pure function of the registry and the settings that do not vary between
deployments; deployment values enter through `${VAR}` references resolved at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sig.conf import BASE_DIR
from sig.derive import mapfile, mapproxy, pygeoapi, weblayers
from sig.registry import Registry, get_registry

Generator = Callable[[Registry], str]

DERIVED: dict[str, Generator] = {
    "pygeoapi-config.yml": pygeoapi.render,
    "mapproxy.yaml": mapproxy.render,
    "data/mapserver/sig.map": mapfile.render,
    "sig/web/static/web/layers.json": weblayers.render,
}

HEADER = "Generated from layers/*.yml by `sig derive`: do not edit by hand."


def render_all(registry: Registry | None = None) -> dict[str, str]:
    registry = registry or get_registry()
    return {path: generate(registry) for path, generate in DERIVED.items()}


def stale_files(base: Path = BASE_DIR, registry: Registry | None = None) -> list[str]:
    """Derived files whose content differs from what the registry gives."""
    stale = []
    for path, content in render_all(registry).items():
        target = base / path
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            stale.append(path)
    return stale


def write_all(base: Path = BASE_DIR, registry: Registry | None = None) -> list[str]:
    """Write every derived file; returns the ones that changed."""
    changed = []
    for path, content in render_all(registry).items():
        target = base / path
        if target.exists() and target.read_text(encoding="utf-8") == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        changed.append(path)
    return changed
