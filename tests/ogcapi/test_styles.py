"""MapBox GL styles of the vector tiles: valid version 8 documents whose sources are the
service's own tiles and whose paint is the registry's, linked from collections, tilesets and
the landing page."""

from __future__ import annotations

import re

import pytest

from sig.ogcapi.collections import get_collections
from sig.ogcapi.styles import collection_style, map_style
from sig.registry import get_registry
from sig.symbology import TERRITORY, channels, style_classes
from tests.ogcapi.conftest import get_json
from tests.ogcapi.test_tiles import web_mercator_tile

ROOT = "http://testserver/ogcapi"
MEDIA = "application/vnd.mapbox.style+json"
LAYER_TYPES = {"fill", "line", "circle", "symbol"}
COLOUR = re.compile(r"^#[0-9a-f]{6}$")


def tiled_ids() -> list[str]:
    return [c.id for c in get_collections().values() if c.tiles is not None]


def style_of(api, path: str) -> dict:
    response = api.get(path, {"f": "mapbox"})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == MEDIA
    return response.json()


def check_valid(style: dict) -> None:
    """What the MapBox GL style specification requires of these documents."""
    assert style["version"] == 8 and style["name"]
    for source in style["sources"].values():
        assert source["type"] == "vector" and source["minzoom"] <= source["maxzoom"]
        assert all(url.startswith(f"{ROOT}/") and url.endswith("/WebMercatorQuad/{z}/{y}/{x}")
                   for url in source["tiles"])
    ids = [layer["id"] for layer in style["layers"]]
    assert len(ids) == len(set(ids))
    for layer in style["layers"]:
        assert layer["type"] in LAYER_TYPES and layer["source"] in style["sources"]
        assert layer["source-layer"] in get_collections()
        assert 0 <= layer["minzoom"] <= 24
        colours = [v for k, v in layer["paint"].items() if k.endswith("-color")]
        assert colours and all(COLOUR.match(c) for c in colours)
        opacities = [v for k, v in layer["paint"].items() if k.endswith("-opacity")]
        assert all(0 <= o <= 1 for o in opacities)


@pytest.mark.parametrize("collection_id", tiled_ids())
def test_collection_style_is_valid_and_on_its_own_tiles(api, collection_id):
    style = style_of(api, f"/ogcapi/collections/{collection_id}/styles/default")
    check_valid(style)
    limits = get_collections()[collection_id].tiles
    (source,) = style["sources"].values()
    assert source["tiles"] == [
        f"{ROOT}/collections/{collection_id}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"]
    assert (source["minzoom"], source["maxzoom"]) == (limits.min_zoom, limits.max_zoom)
    assert {layer["source-layer"] for layer in style["layers"]} == {collection_id}
    assert min(layer["minzoom"] for layer in style["layers"]) == limits.min_zoom


@pytest.mark.parametrize("theme_id", [t.id for t in get_registry() if t.exposure.tiles.enabled])
def test_paint_and_filters_are_the_registry_classes(api, theme_id):
    registry = get_registry()
    theme = registry[theme_id]
    style = style_of(api, f"/ogcapi/collections/{theme_id}/styles/default")
    drawn = {layer["id"]: layer for layer in style["layers"] if layer["type"] != "symbol"}
    for entry in style_classes(registry, theme):
        symbol, name = entry.symbol, entry.code if entry.code is not None else "*"
        layers = [layer for key, layer in drawn.items() if key.startswith(f"{theme_id}/{name}/")]
        assert layers, f"no layer for class {name}"
        paint = {k: v for layer in layers for k, v in layer["paint"].items()}
        main = symbol.stroke if theme.geometry.family == "linestring" else symbol.fill
        kind = {"point": "circle", "linestring": "line", "polygon": "fill"}[
            theme.geometry.family]
        if main:
            assert paint[f"{kind}-color"] == main[:7]
            assert paint[f"{kind}-opacity"] == pytest.approx(channels(main, symbol.opacity)[3],
                                                             abs=1e-3)
        if symbol.stroke and theme.geometry.family != "point":
            assert paint["line-color"] == symbol.stroke[:7]
            assert paint["line-width"] == symbol.stroke_width
        filters = {str(layer.get("filter")) for layer in layers}
        if entry.is_default and entry.others:
            assert filters == {str(["!in", entry.attribute, *entry.others])}
        elif not entry.is_default:
            assert filters == {str(["==", entry.attribute, entry.code])}


def test_labels_follow_the_registry(api):
    theme = get_registry()["rede_viaria"]
    style = style_of(api, "/ogcapi/collections/rede_viaria/styles/default")
    (label,) = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    assert label["layout"]["text-field"] == f"{{{theme.style.label.attribute}}}"
    assert label["layout"]["symbol-placement"] == "line"
    assert label["minzoom"] == theme.style.label.min_zoom
    assert label["paint"]["text-color"] == theme.style.label.colour


def test_served_styles_are_the_derivation(api):
    collections = get_collections()
    for collection_id in tiled_ids():
        served = style_of(api, f"/ogcapi/collections/{collection_id}/styles/default")
        assert served == collection_style(ROOT, collections[collection_id])
    assert style_of(api, "/ogcapi/styles/default") == map_style(ROOT)


def test_map_style_draws_every_collection_on_the_multi_layer_tiles(api):
    style = style_of(api, "/ogcapi/styles/default")
    check_valid(style)
    (source,) = style["sources"].values()
    assert source["tiles"] == [f"{ROOT}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"]
    order = [layer["source-layer"] for layer in style["layers"]]
    assert set(order) == set(tiled_ids())
    assert order[0] == "municipios"  # the land below everything
    municipios = style["layers"][0]
    assert municipios["paint"]["fill-color"] == TERRITORY["municipios"].fill
    kinds = [layer["type"] for layer in style["layers"]]
    assert kinds.index("circle") > max(i for i, k in enumerate(kinds) if k == "fill")
    x, y = web_mercator_tile(13)
    response = api.get(source["tiles"][0].removeprefix("http://testserver").format(
        z=13, y=y, x=x))
    assert response.status_code == 200 and response.content  # Leiria's tile


def test_style_lists_and_errors(api):
    listing = get_json(api, "/ogcapi/styles")
    (entry,) = listing["styles"]
    assert entry["id"] == listing["default"] == "default"
    assert entry["links"][0]["type"] == MEDIA
    assert entry["links"][0]["href"] == f"{ROOT}/styles/default?f=mapbox"
    listing = get_json(api, "/ogcapi/collections/residuos/styles")
    assert listing["styles"][0]["links"][0]["href"].endswith(
        "/collections/residuos/styles/default?f=mapbox")
    assert api.get("/ogcapi/styles/outro").status_code == 404
    assert api.get("/ogcapi/collections/nada/styles/default").status_code == 404
    assert api.get("/ogcapi/styles/default", {"f": "sld"}).status_code == 400
    assert api.get("/ogcapi/styles/default").status_code == 200  # f=mapbox is the default


def _style_links(links: list[dict]) -> list[dict]:
    return [link for link in links if link["rel"] == "stylesheet"]


def test_collections_tilesets_and_landing_page_link_their_style(api):
    for collection_id in tiled_ids():
        document = get_json(api, f"/ogcapi/collections/{collection_id}", f="json")
        (link,) = _style_links(document["links"])
        assert link["type"] == MEDIA
        assert link["href"] == f"{ROOT}/collections/{collection_id}/styles/default?f=mapbox"
    tileset = get_json(api, "/ogcapi/collections/equipamentos/tiles/PTTM06")
    (link,) = _style_links(tileset["links"])
    assert link["href"].endswith("/collections/equipamentos/styles/default?f=mapbox")
    for listing in (get_json(api, "/ogcapi/collections/equipamentos/tiles"),
                    get_json(api, "/ogcapi/tiles")):
        assert all(_style_links(t["links"]) for t in listing["tilesets"])
    dataset = get_json(api, "/ogcapi/tiles/WebMercatorQuad")
    assert _style_links(dataset["links"])[0]["href"] == f"{ROOT}/styles/default?f=mapbox"
    landing = get_json(api, "/ogcapi/", f="json")
    assert _style_links(landing["links"])[0]["href"] == f"{ROOT}/styles/default?f=mapbox"
