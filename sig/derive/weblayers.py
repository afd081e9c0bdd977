"""The web map's layer list: groups, titles, styles and zoom limits per theme."""

from __future__ import annotations

import json

from sig.registry import Registry


def _theme_entry(registry: Registry, theme) -> dict:
    style = theme.style.model_dump(exclude_none=True)
    legend = []
    if theme.style.classify_by:
        attribute = theme.attribute(theme.style.classify_by)
        labels = {v.code: v.label.model_dump() for v in
                  registry.codelist(theme.id, attribute.codelist or "")}
        legend = [{"code": code, "label": labels.get(code, {"pt": code, "en": code})}
                  for code in theme.style.classes]
    return {
        "id": theme.id,
        "title": theme.title.model_dump(),
        "group": theme.group.model_dump(),
        "geometry": theme.geometry.value,
        "minZoom": theme.exposure.tiles.min_zoom,
        "maxZoom": theme.exposure.tiles.max_zoom,
        "style": style,
        "legend": legend,
    }


def render(registry: Registry) -> str:
    layers = [_theme_entry(registry, t) for t in registry if t.exposure.tiles.enabled]
    return json.dumps({"layers": layers}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
