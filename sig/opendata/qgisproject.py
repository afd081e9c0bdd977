"""A QGIS project (.qgs) with every layer of the service configured, styled from the registry.

- each theme as an OGC API Features layer (paging, requests restricted to the view's bbox),
  grouped as in the web map, with the registry's symbols and zoom limits;
- the service's rendered basemap (`mapa_base`, WMTS in the PT-TM06 grid) at the bottom;
- municipalities and freguesias (CAOP) from the OGC API, the themes rendered by the service
  as WMTS, and the vector tiles of every theme styled like the service's MapBox GL style
  (which the layer's `styleUrl` names), all off by default.
Written for QGIS ≥ 3.22 (Debian 12), project CRS EPSG:3763.
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Any

from pyproj import CRS, Transformer

from sig.ogcapi.collections import Collection
from sig.ogcapi.styles import classes, tiled
from sig.opendata.publisher import ServiceLinks
from sig.opendata.territory import Area
from sig.registry import Theme, get_registry
from sig.registry.schema import Symbol
from sig.symbology import TERRITORY, StyleClass, channels, style_classes, zoom_scale

QGIS_VERSION = "3.22.16-Białowieża"
PAGE_SIZE = 1000
MARKERS = {"circle": "circle", "square": "square", "triangle": "triangle", "star": "star",
           "cross": "cross_fill"}
WGS84_WKT_ID = "EPSG:4326"
BASEMAP = "mapa_base"  # the maps service's rendered basemap


def _rgba(colour: str | None, opacity: float = 1.0) -> str:
    r, g, b, alpha = channels(colour, opacity)
    return f"{r},{g},{b},{round(alpha * 255)}"


def _options(parent: ET.Element, values: dict[str, Any]) -> None:
    box = ET.SubElement(parent, "Option", type="Map")
    for name, value in values.items():
        ET.SubElement(box, "Option", name=name, value=str(value), type="QString")


def _symbol_layer(symbol: ET.Element, kind: str, style: Symbol) -> None:
    layer = ET.SubElement(symbol, "layer", {"class": {"marker": "SimpleMarker",
                                                      "line": "SimpleLine",
                                                      "fill": "SimpleFill"}[kind],
                                            "enabled": "1", "locked": "0", "pass": "0"})
    if kind == "marker":
        _options(layer, {"name": MARKERS[style.marker], "color": _rgba(style.fill, style.opacity),
                         "outline_color": _rgba(style.stroke, style.opacity),
                         "outline_width": style.stroke_width, "outline_width_unit": "Pixel",
                         "size": style.size, "size_unit": "Pixel"})
    elif kind == "line":
        dash = ";".join(f"{d:g}" for d in style.dash or [])
        _options(layer, {"line_color": _rgba(style.stroke, style.opacity),
                         "line_width": style.stroke_width, "line_width_unit": "Pixel",
                         "use_custom_dash": "1" if dash else "0", "customdash": dash or "5;2",
                         "customdash_unit": "Pixel", "capstyle": "round",
                         "joinstyle": "round"})
    else:
        _options(layer, {"color": _rgba(style.fill, style.opacity),
                         "style": "solid" if style.fill else "no",
                         "outline_color": _rgba(style.stroke, 1.0),
                         "outline_width": style.stroke_width, "outline_width_unit": "Pixel",
                         "outline_style": "solid" if style.stroke else "no"})


KINDS = {"point": "marker", "linestring": "line", "polygon": "fill"}


def symbol_kind(theme: Theme) -> str:
    return KINDS[theme.geometry.family]


def _symbol(parent: ET.Element, name: str, kind: str, style: Symbol) -> None:
    symbol = ET.SubElement(parent, "symbol", {"type": kind, "name": name, "alpha": "1",
                                              "clip_to_extent": "1", "force_rhr": "0"})
    _symbol_layer(symbol, kind, style)


def renderer(theme: Theme, lang: str) -> ET.Element:
    """A categorized renderer by the registry's classify_by, or a single symbol."""
    kind, entries = symbol_kind(theme), style_classes(get_registry(), theme)
    if len(entries) == 1:
        element = ET.Element("renderer-v2", type="singleSymbol", symbollevels="0",
                             forceraster="0", enableorderby="0")
        _symbol(ET.SubElement(element, "symbols"), "0", kind, entries[0].symbol)
        return element
    element = ET.Element("renderer-v2", type="categorizedSymbol", attr=theme.style.classify_by,
                         symbollevels="0", forceraster="0", enableorderby="0")
    categories = ET.SubElement(element, "categories")
    symbols = ET.SubElement(element, "symbols")
    for index, entry in enumerate(entries):
        ET.SubElement(categories, "category", symbol=str(index), value=entry.code or "",
                      label=entry.label[lang], render="true")
        _symbol(symbols, str(index), kind, entry.symbol)
    return element


def _expression(entry: StyleClass) -> str:
    """The QGIS filter of a class (vector tile styles all draw, so the default one excludes
    the codes of the others)."""
    if entry.attribute is None:
        return ""
    field = f'"{entry.attribute}"'
    if not entry.is_default:
        return f"{field} = {_literal(entry.code or '')}"
    if not entry.others:
        return ""
    return f"{field} IS NULL OR {field} NOT IN ({', '.join(map(_literal, entry.others))})"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def tile_renderer(collections: list[Collection]) -> ET.Element:
    """A vector tile renderer with one style per class of every collection, in the order and
    with the zoom limits of the service's MapBox GL style."""
    element = ET.Element("renderer", type="basic")
    styles = ET.SubElement(element, "styles")
    geometry = {"point": "0", "linestring": "1", "polygon": "2"}
    for collection in collections:
        family = collection.geometry_family
        for entry in classes(collection):
            style = ET.SubElement(styles, "style", {
                "enabled": "1", "name": f"{collection.id}/{entry.code or '*'}",
                "layer": collection.id, "geometry": geometry[family],
                "expression": _expression(entry),
                "min-zoom": str(collection.tiles.min_zoom if collection.tiles else -1),
                "max-zoom": "-1"})
            _symbol(ET.SubElement(style, "symbols"), "0", KINDS[family], entry.symbol)
    return element


@lru_cache(maxsize=4)
def _crs_texts(code: int) -> tuple[str, str, str, bool]:
    crs = CRS.from_epsg(code)
    with warnings.catch_warnings():  # the PROJ string is only a fallback for old readers
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4()
    return crs.to_wkt(), proj4, crs.name, crs.is_geographic


def _srs(parent: ET.Element, authid: str) -> None:
    """A CRS as QGIS writes it (it reads the WKT; an authid alone is not enough)."""
    code = int(authid.split(":")[1])
    wkt, proj4, name, geographic = _crs_texts(code)
    srs = ET.SubElement(parent, "spatialrefsys")
    for tag, text in (("wkt", wkt), ("proj4", proj4), ("srid", str(code)), ("authid", authid),
                      ("description", name), ("geographicflag", str(geographic).lower())):
        ET.SubElement(srs, tag).text = text


def oapif_source(links: ServiceLinks, collection: str) -> str:
    return (f"pagingEnabled='true' pageSize='{PAGE_SIZE}' preferCoordinatesForWfsT11='false' "
            f"restrictToRequestBBOX='1' typename='{collection}' url='{links.ogcapi}'")


def tiles_source(links: ServiceLinks, collections: list[Collection]) -> str:
    """The multi-layer vector tiles; `styleUrl` names the MapBox GL style they are drawn with."""
    limits = [c.tiles for c in collections if c.tiles]
    return (f"type=xyz&url={links.url('/ogcapi/tiles/WebMercatorQuad/{z}/{y}/{x}')}"
            f"&zmin={min(t.min_zoom for t in limits)}&zmax={min(t.max_zoom for t in limits)}"
            f"&styleUrl={links.url('/ogcapi/styles/default')}")


def wmts_source(links: ServiceLinks, layer: str) -> str:
    return (f"contextualWMSLegend=0&crs=EPSG:3763&dpiMode=7&featureCount=10&format=image/png"
            f"&layers={layer}&styles=default&tileMatrixSet=PTTM06&url={links.wmts}")


def _min_scale(theme: Theme) -> str:
    return f"{zoom_scale(theme.exposure.tiles.min_zoom):.0f}"


class ProjectBuilder:
    """Collects map layers and the layer tree of one project."""

    def __init__(self, links: ServiceLinks, lang: str):
        self.links, self.lang = links, lang
        self.root = ET.Element("qgis", projectname="SIG CIM Região de Leiria",
                               version=QGIS_VERSION)
        ET.SubElement(self.root, "title").text = "SIG Intermunicipal da Região de Leiria"
        _srs(ET.SubElement(self.root, "projectCrs"), "EPSG:3763")
        # QGIS reads projectCrs only when this (formerly "on-the-fly reprojection") is set.
        properties = ET.SubElement(self.root, "properties")
        enabled = ET.SubElement(ET.SubElement(properties, "SpatialRefSys"), "ProjectionsEnabled",
                                type="int")
        enabled.text = "1"
        self.tree = ET.SubElement(self.root, "layer-tree-group")
        self.layers = ET.Element("projectlayers")

    def group(self, name: str, checked: bool = True) -> ET.Element:
        return ET.SubElement(self.tree, "layer-tree-group", name=name, expanded="1",
                             checked="Qt::Checked" if checked else "Qt::Unchecked")

    def add_layer(self, group: ET.Element, layer_id: str, name: str, provider: str,
                  source: str, attrs: dict[str, str], checked: bool = True,
                  crs: str = WGS84_WKT_ID) -> ET.Element:
        ET.SubElement(group, "layer-tree-layer", id=layer_id, name=name, source=source,
                      providerKey=provider, expanded="0",
                      checked="Qt::Checked" if checked else "Qt::Unchecked")
        layer = ET.SubElement(self.layers, "maplayer", attrs)
        ET.SubElement(layer, "id").text = layer_id
        ET.SubElement(layer, "datasource").text = source
        ET.SubElement(layer, "layername").text = name
        _srs(ET.SubElement(layer, "srs"), crs)
        ET.SubElement(layer, "provider", encoding="UTF-8").text = provider
        return layer

    def theme_layer(self, group: ET.Element, theme: Theme) -> None:
        geometry = {"point": "Point", "linestring": "Line", "polygon": "Polygon"}
        attrs = {"type": "vector", "geometry": geometry[theme.geometry.family],
                 "hasScaleBasedVisibilityFlag": "1",
                 "minScale": _min_scale(theme), "maxScale": "0"}
        layer = self.add_layer(group, f"oapif_{theme.id}", getattr(theme.title, self.lang),
                               "OAPIF", oapif_source(self.links, theme.id), attrs)
        layer.append(renderer(theme, self.lang))

    def territory(self) -> None:
        group = self.group("Limites administrativos (CAOP)" if self.lang == "pt"
                           else "Administrative boundaries (CAOP)", False)
        for collection, title in (("freguesias", "Freguesias"), ("municipios", "Municípios")):
            layer = self.add_layer(group, f"oapif_{collection}", title, "OAPIF",
                                   oapif_source(self.links, collection),
                                   {"type": "vector", "geometry": "Polygon"}, False)
            element = ET.Element("renderer-v2", type="singleSymbol", symbollevels="0",
                                 forceraster="0", enableorderby="0")
            _symbol(ET.SubElement(element, "symbols"), "0", "fill", TERRITORY[collection])
            layer.append(element)

    def vector_tiles(self) -> None:
        group = self.group("Teselas vetoriais" if self.lang == "pt" else "Vector tiles", False)
        title = "Todos os temas (teselas vetoriais)" if self.lang == "pt" else \
            "All themes (vector tiles)"
        collections = tiled()
        layer = self.add_layer(group, "teselas_vetoriais", title, "vectortile",
                               tiles_source(self.links, collections), {"type": "vector-tile"},
                               False, "EPSG:3857")
        layer.append(tile_renderer(collections))

    def wmts(self, themes: list[Theme]) -> None:
        group = self.group("Mapas (WMTS)" if self.lang == "pt" else "Maps (WMTS)", False)
        for theme in themes:
            self.add_layer(group, f"wmts_{theme.id}", getattr(theme.title, self.lang), "wms",
                           wmts_source(self.links, theme.id), {"type": "raster"}, False,
                           "EPSG:3763")

    def basemap(self) -> None:
        group = self.group("Mapa de base" if self.lang == "pt" else "Basemap")
        title = "Mapa base (WMTS)" if self.lang == "pt" else "Basemap (WMTS)"
        self.add_layer(group, f"wmts_{BASEMAP}", title, "wms", wmts_source(self.links, BASEMAP),
                       {"type": "raster"}, crs="EPSG:3763")

    def canvas(self, area: Area | None) -> None:
        canvas = ET.SubElement(self.root, "mapcanvas", name="theMapCanvas")
        ET.SubElement(canvas, "units").text = "meters"
        extent = ET.SubElement(canvas, "extent")
        bbox = area.bbox if area else (-9.3, 39.4, -8.0, 40.2)
        transform = Transformer.from_crs(4326, 3763, always_xy=True)
        box = transform.transform_bounds(*bbox)
        for key, value in zip(("xmin", "ymin", "xmax", "ymax"), box, strict=True):
            ET.SubElement(extent, key).text = f"{value:.0f}"
        _srs(ET.SubElement(canvas, "destinationsrs"), "EPSG:3763")
        view = ET.SubElement(self.root, "ProjectViewSettings", UseProjectScales="0", rotation="0")
        default = ET.SubElement(view, "DefaultViewExtent", xmin=f"{box[0]:.0f}",
                                ymin=f"{box[1]:.0f}", xmax=f"{box[2]:.0f}", ymax=f"{box[3]:.0f}")
        _srs(default, "EPSG:3763")

    def finish(self) -> str:
        self.root.append(self.layers)
        ET.indent(self.root)
        body = ET.tostring(self.root, encoding="unicode")
        return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + body + "\n"


def project_xml(links: ServiceLinks, areas: list[Area], lang: str = "pt") -> str:
    """The project as text; theme groups in registry order, topmost first."""
    builder = ProjectBuilder(links, lang)
    themes = [t for t in get_registry() if t.exposure.ogcapi]
    groups: dict[str, ET.Element] = {}
    drawing_order = {"marker": 0, "line": 1, "fill": 2}  # first in the tree is drawn on top
    for theme in sorted(themes, key=lambda t: drawing_order[symbol_kind(t)]):
        name = getattr(theme.group, lang)
        if name not in groups:
            groups[name] = builder.group(name)
        builder.theme_layer(groups[name], theme)
    builder.territory()
    builder.vector_tiles()
    builder.wmts([t for t in get_registry() if t.exposure.maps.enabled])
    builder.basemap()
    builder.canvas(areas[0] if areas else None)
    return builder.finish()
