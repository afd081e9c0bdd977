"""The symbology of every layer, derived once from the registry.

A theme's style is a list of classes: one per code of its `classify_by` attribute, in registry
order, then the default symbol for every other value. The mapfile, the web map's layer list,
the MapBox GL styles of the OGC API and the QGIS project all read these classes, the colour
channels and the zoom scales from here; each only writes them in its own encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from sig.registry import Registry, Theme
from sig.registry.schema import Symbol

# Scale denominator of Web Mercator zoom 0 at 0.28 mm pixels (OGC WebMercatorQuad).
ZOOM0_SCALE = 559082264.0287178
OTHERS = {"pt": "Outros", "en": "Other"}

# The CAOP boundaries, which are not registry themes (the web map's neutral basemap).
TERRITORY = {
    "municipios": Symbol(fill="#f7f7f2", stroke="#7a7a72", stroke_width=1.4),
    "freguesias": Symbol(stroke="#c2c2b8", stroke_width=0.7),
}


@dataclass(frozen=True)
class StyleClass:
    """One class of a theme's style: features whose `attribute` is `code` (None: the rest)."""

    attribute: str | None
    code: str | None
    label: dict[str, str]
    symbol: Symbol
    others: tuple[str, ...] = ()  # for the default class: the codes of the other classes

    @property
    def is_default(self) -> bool:
        return self.code is None


def _code_labels(registry: Registry, theme: Theme) -> dict[str, dict[str, str]]:
    attribute = theme.style.classify_by
    codelist = theme.attribute(attribute).codelist if attribute else None
    known = ({value.code: value.label.model_dump()
              for value in registry.codelist(theme.id, codelist)} if codelist else {})
    return {code: known.get(code, {"pt": code, "en": code}) for code in theme.style.classes}


def style_classes(registry: Registry, theme: Theme) -> list[StyleClass]:
    """The classes of `theme`, in drawing order of precedence, the default one last."""
    style = theme.style
    labels = _code_labels(registry, theme)
    classes = [StyleClass(style.classify_by, code, labels[code], symbol)
               for code, symbol in style.classes.items()]
    return classes + [StyleClass(style.classify_by, None, OTHERS, style.default,
                                 tuple(style.classes))]


def channels(colour: str | None, opacity: float = 1.0) -> tuple[int, int, int, float]:
    """Red, green, blue (0–255) and alpha (0–1) of a registry colour drawn at `opacity`."""
    if not colour:
        return 0, 0, 0, 0.0
    value = colour.lstrip("#")
    alpha = int(value[6:8], 16) / 255 if len(value) == 8 else 1.0
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha * opacity


def zoom_scale(zoom: float) -> float:
    """Scale denominator at a Web Mercator zoom level."""
    return ZOOM0_SCALE / 2 ** zoom
