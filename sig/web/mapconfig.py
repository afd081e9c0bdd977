"""The configuration the web map receives in its page: layers, tile addresses, places, the
PT-TM06 grid and the script's gettext catalogue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from sig.conf import get_settings
from sig.i18n import javascript_catalog
from sig.ocorrencias.public import STATE_COLOURS, STATE_LABELS
from sig.opendata.downloads import reader_connection
from sig.opendata.publisher import ServiceLinks
from sig.opendata.territory import TERRITORY_TTL, kept_for
from sig.tilegrid import browser_config

LAYERS_JSON = Path(__file__).parent / "static" / "web" / "layers.json"
# Vector tiles: the multi-layer tileset of the OGC API (the chosen collections in one tile), or
# one collection's tileset; rendered tiles: the maps service's WMTS (REST).
DATASET_TILES = "/ogcapi/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt&collections={collections}"
VECTOR_TILES = "/ogcapi/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt"
RASTER_TILES = "/maps/wmts/{layer}/GLOBAL_WEBMERCATOR/{z}/{x}/{y}.png"
DEFAULT_LAYERS = ("ordenamento", "rede_viaria", "equipamentos", "moradas")


@lru_cache(maxsize=4)
def _layers(mtime: float) -> list[dict[str, Any]]:
    return json.loads(LAYERS_JSON.read_text(encoding="utf-8"))["layers"]


def layers() -> list[dict[str, Any]]:
    """The derived layer list (`sig derive` writes it from the registry)."""
    return _layers(LAYERS_JSON.stat().st_mtime)


# Basemaps rendered and cached by the maps service (MapProxy at /maps/). The external ones exist
# only when the maps service offers them (SIG_MAPS_EXTERNAL_BASEMAPS, see sig/maps/external.py);
# their tiles still come from this service's cache, never straight from the other server.
RENDERED_BASEMAP = {"id": "mapa_base", "title": _("Mapa base (WMTS)"), "attribution": ""}
EXTERNAL_BASEMAPS = (
    {"id": "ortofotos_dgt", "title": _("Ortofotomapas (DGT)"),
     "attribution": "Ortofotomapas © Direção-Geral do Território"},
    {"id": "openstreetmap", "title": "OpenStreetMap",
     "attribution": "© contribuidores do OpenStreetMap"},
)


def basemaps() -> list[dict[str, str]]:
    """Raster basemap choices besides the neutral vector one, with their WMTS tile addresses
    (titles in the active language)."""
    offered = [RENDERED_BASEMAP]
    if getattr(get_settings(), "maps_external_basemaps", False):
        offered += list(EXTERNAL_BASEMAPS)
    return [{"id": b["id"], "title": str(b["title"]), "attribution": b["attribution"],
             "url": RASTER_TILES.replace("{layer}", b["id"])} for b in offered]


def _bbox(values: Sequence[Any]) -> list[float]:
    return [round(float(v), 5) for v in values]


@kept_for(TERRITORY_TTL)
def places() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Served municipalities and their freguesias, with WGS 84 extents."""
    served = list(get_settings().municipios)
    extent = "ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
    with reader_connection() as conn:
        municipios = conn.execute(
            f"SELECT dico, nome, {extent} FROM (SELECT dico, nome, "
            "ST_Transform(ST_Envelope(geom), 4326) e FROM municipio WHERE dico = ANY(%s)) s "
            "ORDER BY nome", (served,)).fetchall()
        freguesias = conn.execute(
            f"SELECT dicofre, nome, municipio, {extent} FROM (SELECT dicofre, nome, municipio, "
            "ST_Transform(ST_Envelope(geom), 4326) e FROM freguesia WHERE municipio = ANY(%s)) s "
            "ORDER BY nome", (served,)).fetchall()
    if not municipios:
        return [], []
    return ([{"dico": d, "nome": n, "bbox": _bbox(b)} for d, n, *b in municipios],
            [{"dicofre": d, "nome": n, "municipio": m, "bbox": _bbox(b)}
             for d, n, m, *b in freguesias])


def home_extent(municipios: list[dict[str, Any]]) -> list[float]:
    if not municipios:
        return [-9.3, 39.4, -8.0, 40.2]
    boxes = [m["bbox"] for m in municipios]
    return [min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes)]


def map_config(lang: str) -> dict[str, Any]:
    """Everything the map script needs, embedded in the page as JSON."""
    municipios, freguesias = places()
    return {
        "lang": lang, "catalog": javascript_catalog(), "layers": layers(),
        "defaultLayers": list(DEFAULT_LAYERS),
        "tiles": {"dataset": DATASET_TILES, "vector": VECTOR_TILES, "raster": RASTER_TILES},
        "basemaps": basemaps(),
        "identify": "/dados/api/identificar",
        "search": "/dados/api/pesquisa", "municipios": municipios, "freguesias": freguesias,
        "home": home_extent(municipios), "pttm06": browser_config(),
        "occurrenceStates": occurrence_states(lang),
    }


def occurrence_states(lang: str) -> list[dict[str, str]]:
    """The occurrences' states with their label and map colour (the WMS/WMTS layer's too)."""
    return [{"code": code, "label": STATE_LABELS[code][lang], "colour": colour}
            for code, colour in STATE_COLOURS.items()]


def qgis_addresses(links: ServiceLinks) -> dict[str, str]:
    return {"ogcapi": links.ogcapi, "wmts": links.wmts, "wms": links.wms}
