"""MapBox GL styles (version 8) of the vector tiles: one per collection and one for the map.

The layers come from `sig.symbology` — the classes, colours, sizes, labels and zoom
limits the mapfile, the web map and the QGIS project draw — written here as MapBox GL style
layers with the legacy filter syntax (read by MapLibre, Mapbox GL and QGIS's converter).
Sources are this service's WebMercatorQuad tiles, so the styles are built per request (the
public URL is a deployment value). Marker shapes are drawn as circles (no sprite sheet), and
labels name the DejaVu Sans font without a `glyphs` URL: MapLibre GL JS clients supply their
own glyphs, QGIS uses its system fonts.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from sig.http import bad_request, not_found, read_view, respond
from sig.ogcapi import html
from sig.ogcapi.collections import Collection, get_collections
from sig.ogcapi.mount import base_url
from sig.registry import get_registry
from sig.registry.schema import Label, Symbol
from sig.symbology import TERRITORY, StyleClass, channels, style_classes

MEDIA = "application/vnd.mapbox.style+json"
JSON = "application/json"
STYLE = "default"
STYLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/styles"
TILES = "/tiles/WebMercatorQuad/{z}/{y}/{x}"
FONT = ["DejaVu Sans Book"]
HALO = "#ffffff"
MAP_TITLE = "SIG Intermunicipal da Região de Leiria — todos os temas"
DRAWING_ORDER = {"polygon": 0, "linestring": 1, "point": 2}


def style_link(href: str) -> dict:
    """The link to a style (on collections and tilesets)."""
    return {"rel": "stylesheet", "type": MEDIA, "title": "Estilo (MapBox GL / MapLibre)",
            "href": f"{href}?f=mapbox"}


def tiled(collections: dict[str, Collection] | None = None) -> list[Collection]:
    """Collections with vector tiles, in drawing order (boundaries, areas, lines, points)."""
    found = [c for c in (collections or get_collections()).values() if c.tiles is not None]
    return sorted(found, key=lambda c: (c.theme is not None,
                                        DRAWING_ORDER[c.geometry_family]))


def classes(collection: Collection) -> list[StyleClass]:
    if collection.theme is None:
        return [StyleClass(None, None, collection.title, TERRITORY[collection.id])]
    return style_classes(get_registry(), collection.theme)


def _colour(colour: str | None, opacity: float) -> tuple[str, float]:
    """A registry colour as `#rrggbb` and its opacity."""
    return (colour or "#000000")[:7], round(channels(colour, opacity)[3], 3)


def _filter(style_class: StyleClass) -> list | None:
    if style_class.attribute is None:
        return None
    if not style_class.is_default:
        return ["==", style_class.attribute, style_class.code]
    return ["!in", style_class.attribute, *style_class.others] if style_class.others else None


def _line_paint(symbol: Symbol, opacity: float) -> dict:
    colour, alpha = _colour(symbol.stroke, opacity)
    paint: dict = {"line-color": colour, "line-width": symbol.stroke_width,
                   "line-opacity": alpha}
    if symbol.dash and symbol.stroke_width:
        paint["line-dasharray"] = [d / symbol.stroke_width for d in symbol.dash]
    return paint


def _circle_paint(symbol: Symbol) -> dict:
    colour, alpha = _colour(symbol.fill, symbol.opacity)
    paint = {"circle-radius": symbol.size / 2, "circle-color": colour, "circle-opacity": alpha}
    if symbol.stroke:
        stroke, stroke_alpha = _colour(symbol.stroke, symbol.opacity)
        paint.update({"circle-stroke-color": stroke, "circle-stroke-width": symbol.stroke_width,
                      "circle-stroke-opacity": stroke_alpha})
    return paint


def _paints(family: str, symbol: Symbol) -> list[tuple[str, dict, dict]]:
    """(layer type, paint, layout) for one symbol; a polygon is a fill and its outline."""
    if family == "point":
        return [("circle", _circle_paint(symbol), {})]
    line_layout = {"line-cap": "round", "line-join": "round"}
    if family == "linestring":
        return [("line", _line_paint(symbol, symbol.opacity), line_layout)]
    paints = []
    if symbol.fill:
        colour, alpha = _colour(symbol.fill, symbol.opacity)
        paints.append(("fill", {"fill-color": colour, "fill-opacity": alpha}, {}))
    if symbol.stroke:
        paints.append(("line", _line_paint(symbol, 1.0), line_layout))
    return paints


def _class_layers(collection: Collection, style_class: StyleClass, source: str) -> list[dict]:
    layers = []
    name = style_class.code if style_class.code is not None else "*"
    for kind, paint, layout in _paints(collection.geometry_family, style_class.symbol):
        layer = {"id": f"{collection.id}/{name}/{kind}", "type": kind, "source": source,
                 "source-layer": collection.id, "minzoom": collection.tiles.min_zoom,
                 "metadata": {"sig:class": style_class.label["pt"]}, "paint": paint}
        if layout:
            layer["layout"] = layout
        if _filter(style_class):
            layer["filter"] = _filter(style_class)
        layers.append(layer)
    return layers


def _label_layer(collection: Collection, label: Label, source: str) -> dict:
    layout = {"text-field": f"{{{label.attribute}}}", "text-font": FONT,
              "text-size": label.size, "text-max-width": 12}
    if collection.geometry_family == "linestring":
        layout["symbol-placement"] = "line"
    if collection.geometry_family == "point":
        layout.update({"text-anchor": "bottom", "text-offset": [0, -0.8]})
    return {"id": f"{collection.id}/label", "type": "symbol", "source": source,
            "source-layer": collection.id,
            "minzoom": max(label.min_zoom, collection.tiles.min_zoom), "layout": layout,
            "paint": {"text-color": label.colour, "text-halo-color": HALO,
                      "text-halo-width": 1.5}}


def collection_layers(collection: Collection, source: str) -> list[dict]:
    """The style layers of one collection: one per class and geometry part, then the label."""
    layers = [layer for c in classes(collection)
              for layer in _class_layers(collection, c, source)]
    label = collection.theme.style.label if collection.theme else None
    if label:
        layers.append(_label_layer(collection, label, source))
    return layers


def _source(url: str, collections: list[Collection]) -> dict:
    limits = [c.tiles for c in collections if c.tiles]
    return {"type": "vector", "tiles": [url],
            "minzoom": min(t.min_zoom for t in limits),
            "maxzoom": min(t.max_zoom for t in limits),
            "attribution": "CIM Região de Leiria e municípios; limites: DGT — CAOP"}


def collection_style(root: str, collection: Collection) -> dict:
    """The style of one collection, on its own tiles."""
    url = f"{root}/collections/{collection.id}{TILES}"
    return {"version": 8, "name": collection.title["pt"],
            "sources": {collection.id: _source(url, [collection])},
            "layers": collection_layers(collection, collection.id)}


def map_style(root: str) -> dict:
    """The style of every tiled collection, on the multi-layer tiles (the web map's layers)."""
    collections = tiled()
    return {"version": 8, "name": MAP_TITLE,
            "sources": {"sig": _source(f"{root}{TILES}", collections)},
            "layers": [layer for c in collections for layer in collection_layers(c, "sig")]}


def styles_document(root: str, path: str, title: str) -> dict:
    """The styles of a collection or of the map (OGC API Styles' list; one style)."""
    return {
        "default": STYLE,
        "styles": [{"id": STYLE, "title": title,
                    "links": [style_link(f"{root}{path}/{STYLE}")]}],
        "links": [{"rel": "self", "type": JSON, "title": "Estilos",
                   "href": f"{root}{path}"}],
    }


# ---- views -------------------------------------------------------------------------------------

def _check(request: HttpRequest, style_id: str | None = None) -> None:
    fmt = request.GET.get("f")
    if style_id is None and fmt not in (None, "json"):
        raise bad_request(f"f: formato não suportado: {fmt!r} (suportado: json)")
    if style_id is not None and fmt not in (None, "mapbox"):
        raise bad_request(f"f: formato de estilo não suportado: {fmt!r} (suportado: mapbox)")
    if style_id not in (None, STYLE):
        raise not_found(f"estilo desconhecido: {style_id!r} (disponível: {STYLE})")


def _tiled_collection(collection_id: str) -> Collection:
    collection = get_collections().get(collection_id)
    if collection is None or collection.tiles is None:
        raise not_found(f"coleção sem teselas vetoriais: {collection_id!r}")
    return collection


def _json(request: HttpRequest, document: dict, media: str = JSON) -> HttpResponse:
    return respond(request, html.to_json(document), media, {"Cache-Control": "no-cache"})


@read_view
def map_styles(request: HttpRequest) -> HttpResponse:
    _check(request)
    return _json(request, styles_document(base_url(request), "/styles", MAP_TITLE))


@read_view
def map_style_view(request: HttpRequest, style_id: str) -> HttpResponse:
    _check(request, style_id)
    return _json(request, map_style(base_url(request)), MEDIA)


@read_view
def collection_styles(request: HttpRequest, collection_id: str) -> HttpResponse:
    collection = _tiled_collection(collection_id)
    _check(request)
    path = f"/collections/{collection.id}/styles"
    return _json(request, styles_document(base_url(request), path, collection.title["pt"]))


@read_view
def collection_style_view(request: HttpRequest, collection_id: str,
                          style_id: str) -> HttpResponse:
    collection = _tiled_collection(collection_id)
    _check(request, style_id)
    return _json(request, collection_style(base_url(request), collection), MEDIA)
