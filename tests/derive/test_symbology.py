"""One derivation of the symbology: the mapfile, the web map's layer list and the MapBox GL
styles all draw the classes of `sig.symbology`, and a registry change reaches all three."""

from __future__ import annotations

import json

from sig.derive import render_all
from sig.ogcapi.collections import theme_collection
from sig.ogcapi.styles import collection_layers
from sig.registry import load_registry
from sig.symbology import OTHERS, channels, style_classes, zoom_scale


def test_every_encoding_draws_the_same_classes():
    registry = load_registry()
    files = render_all(registry)
    legends = {layer["id"]: layer["legend"]
               for layer in json.loads(files["sig/web/static/web/layers.json"])["layers"]}
    for theme in registry:
        classes = style_classes(registry, theme)
        assert classes[-1].is_default and classes[-1].label == OTHERS
        block = files["data/mapserver/sig.map"].split(f'NAME "{theme.id}"')[1].split("  LAYER")[0]
        names = [line.strip().removeprefix("NAME ").strip("\"'") for line in block.splitlines()
                 if line.startswith("      NAME ")]
        assert names == [c.label["pt"].replace("'", "\u2019") for c in classes]
        if theme.style.classify_by:
            assert [entry["code"] for entry in legends[theme.id]] == [
                c.code for c in classes if not c.is_default]
        ids = {layer["id"].split("/")[1] for layer in
               collection_layers(theme_collection(theme, registry), "s")} - {"label"}
        assert ids == {c.code if c.code is not None else "*" for c in classes}


def test_a_colour_change_reaches_every_encoding():
    registry = load_registry()
    theme = registry.themes["residuos"]
    style = theme.style.model_copy(update={"default": theme.style.default.model_copy(
        update={"fill": "#123456"})})
    changed = theme.model_copy(update={"style": style})
    other = type(registry)(themes=dict(registry.themes, residuos=changed), codes=registry.codes,
                           folder=registry.folder)
    files = render_all(other)
    assert 'COLOR "#123456"' in files["data/mapserver/sig.map"]
    assert "#123456" in files["sig/web/static/web/layers.json"]
    layers = collection_layers(theme_collection(changed, other), "s")
    default = next(layer for layer in layers if layer["id"] == "residuos/*/circle")
    assert default["paint"]["circle-color"] == "#123456"


def test_channels_and_zoom_scale():
    assert channels("#ff000080", 0.5) == (255, 0, 0, 128 / 255 * 0.5)
    assert channels(None) == (0, 0, 0, 0.0)
    assert zoom_scale(0) / zoom_scale(1) == 2
