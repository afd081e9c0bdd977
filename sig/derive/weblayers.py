"""The web map's layer list: groups, titles, styles and zoom limits per theme."""

from __future__ import annotations

import json

from sig.registry import Registry
from sig.symbology import style_classes


def _theme_entry(registry: Registry, theme) -> dict:
    legend = []
    if theme.style.classify_by:
        legend = [{"code": c.code, "label": c.label}
                  for c in style_classes(registry, theme) if not c.is_default]
    return {
        "id": theme.id,
        "title": theme.title.model_dump(),
        "group": theme.group.model_dump(),
        "geometry": theme.geometry.value,
        "minZoom": theme.exposure.tiles.min_zoom,
        "maxZoom": theme.exposure.tiles.max_zoom,
        "style": theme.style.model_dump(exclude_none=True),
        "legend": legend,
    }


def render(registry: Registry) -> str:
    layers = [_theme_entry(registry, t) for t in registry if t.exposure.tiles.enabled]
    return json.dumps({"layers": layers}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
