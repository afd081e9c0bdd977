"""`mapproxy.yaml`: cached WMS/WMTS/tiles of the basemap, every theme and the occurrences over
the mapfile.

Grids: GLOBAL_WEBMERCATOR and the project's PT-TM06 grid (the same tile matrix set as the
vector tiles). Deployment values are `${SIG_*}` references that the service resolves at
start (`sig.maps.runtime`); the cache backend and the external basemaps are chosen there too.
"""

from __future__ import annotations

import yaml

from sig.maps.vocabulary import BASEMAP_GROUP, BOUNDARIES_GROUP, OCCURRENCES_LAYER
from sig.registry import Registry, Theme
from sig.tilegrid import PIXEL_SIZE_M, PTTM06

GRIDS = ["GLOBAL_WEBMERCATOR", PTTM06.id]
# Mainland Portugal (the area of use of EPSG:3763); the service narrows it to its municipalities.
COVERAGE = {"bbox": [-9.56, 36.95, -6.18, 42.16], "srs": "EPSG:4326"}
# Largest WMS image (pixels per side) and MapServer's own MAXSIZE.
MAX_IMAGE_SIZE = 4096
TITLE = "SIG Intermunicipal da Região de Leiria"

PTTM06_GRID = {
    "srs": f"EPSG:{PTTM06.srid}",
    "bbox": list(PTTM06.bbox),
    "bbox_srs": f"EPSG:{PTTM06.srid}",
    "origin": "nw",
    "res": list(PTTM06.resolutions),
    "tile_size": [PTTM06.tile_size, PTTM06.tile_size],
}


def _source(layers: str, transparent: bool = True, **extra) -> dict:
    source = {
        "type": "mapserver",
        "req": {"layers": layers, "map": "${SIG_MAPFILE}", "transparent": transparent},
        "coverage": dict(COVERAGE),
        "supported_srs": ["EPSG:3763", "EPSG:3857"],
    }
    source.update(extra)
    return source


def _cache(source: str) -> dict:
    # Wider buffer for the basemaps, whose place names are long.
    basemap = source in (f"{BASEMAP_GROUP}_src", f"{BOUNDARIES_GROUP}_src")
    return {
        "grids": list(GRIDS),
        "sources": [source],
        "format": "image/png",
        "meta_size": [4, 4],
        "meta_buffer": 128 if basemap else 80,
        "cache": {"type": "file", "directory_layout": "tms"},
    }


def _resolution_range(theme: Theme) -> dict:
    """The theme's scale range as MapProxy source resolutions (blank tiles outside it)."""
    maps = theme.exposure.maps
    limits = {}
    if maps.max_scale:
        limits["min_res"] = round(maps.max_scale * PIXEL_SIZE_M, 6)
    if maps.min_scale:
        limits["max_res"] = round(maps.min_scale * PIXEL_SIZE_M, 6)
    return limits


QUERYABLE = {"featureinfo": True, "legendgraphic": True, "version": "1.3.0"}


def _theme_source(theme: Theme) -> dict:
    return _source(theme.id, **_resolution_range(theme), wms_opts=dict(QUERYABLE))


def _theme_layer(theme: Theme) -> dict:
    md = {"abstract": theme.description.pt,
          "keyword_list": [{"keywords": theme.keywords.get("pt", [])}]}
    return {"name": theme.id, "title": theme.title.pt, "sources": [f"{theme.id}_cache"],
            "md": md}


BASE_LAYERS = [
    {"name": BASEMAP_GROUP, "title": "Mapa base",
     "md": {"abstract": "Mapa base neutro: território, rede viária, limites e nomes dos "
                        "municípios e das freguesias."},
     "sources": [f"{BASEMAP_GROUP}_cache"]},
    {"name": BOUNDARIES_GROUP, "title": "Limites administrativos",
     "md": {"abstract": "Limites e nomes dos municípios e das freguesias (CAOP)."},
     "sources": [f"{BOUNDARIES_GROUP}_cache"]},
]
OCCURRENCES = {
    "name": OCCURRENCES_LAYER, "title": "Ocorrências (Linha Verde)",
    "md": {"abstract": "Ocorrências reportadas pelos munícipes na via e no espaço público, pelo "
                       "estado da resolução (sem dados pessoais)."},
    "sources": [f"{OCCURRENCES_LAYER}_cache"]}


def _base_sources() -> dict:
    return {
        f"{BASEMAP_GROUP}_src": _source(f"{BASEMAP_GROUP},{BOUNDARIES_GROUP}", transparent=False),
        f"{BOUNDARIES_GROUP}_src": _source(BOUNDARIES_GROUP, wms_opts={"legendgraphic": True}),
    }


def _occurrences_source() -> dict:
    return {f"{OCCURRENCES_LAYER}_src": _source(OCCURRENCES_LAYER, wms_opts=dict(QUERYABLE))}


SERVICES = {
    "wms": {
        "srs": ["EPSG:3763", "EPSG:3857", "EPSG:4326", "EPSG:4258"],
        "bbox_srs": ["EPSG:3763", "EPSG:4326", "EPSG:3857"],
        "image_formats": ["image/png", "image/jpeg"],
        "featureinfo_types": ["json", "html"],
        "max_output_pixels": [MAX_IMAGE_SIZE, MAX_IMAGE_SIZE],
        "strict": True,
        "versions": ["1.3.0", "1.1.1"],
        "md": {"title": TITLE,
               "abstract": "Mapas dos temas harmonizados dos municípios da CIMRL",
               "access_constraints": "Dados abertos municipais.", "fees": "none"},
    },
    "wmts": {"restful": True, "kvp": True, "md": {"title": TITLE}},
    "tms": {"use_grid_names": True, "origin": "nw"},
    "ogcapi": {"enable_tiles": True, "enable_maps": True,
               "map_srs": ["EPSG:3763", "EPSG:3857", "EPSG:4326"],
               "max_output_pixels": [MAX_IMAGE_SIZE, MAX_IMAGE_SIZE],
               "md": {"identification": {"title": TITLE,
                                         "description": "Mapas e teselas dos temas da CIMRL"}}},
}

GLOBALS = {
    "cache": {"base_dir": "${SIG_CACHE_DIR}", "lock_dir": "${SIG_CACHE_DIR}/locks",
              "tile_lock_dir": "${SIG_CACHE_DIR}/tile_locks", "link_single_color_images": True},
    "image": {"resampling_method": "bilinear"},
    "mapserver": {"binary": "${SIG_MAPSERV_BIN}", "working_dir": "${SIG_MAPFILE_DIR}"},
    "http": {"client_timeout": 60},
    # Clients revalidate every tile (ETag, 304): a tile changed by an edit shows at once.
    "tiles": {"expires_hours": 0},
}


def config(registry: Registry) -> dict:
    themes = [theme for theme in registry if theme.exposure.maps.enabled]
    sources = _base_sources()
    sources.update({f"{theme.id}_src": _theme_source(theme) for theme in themes})
    sources.update(_occurrences_source())
    caches = {name.removesuffix("_src") + "_cache": _cache(name) for name in sources}
    return {
        "services": SERVICES,
        "layers": BASE_LAYERS + [_theme_layer(theme) for theme in themes] + [OCCURRENCES],
        "caches": caches,
        "sources": sources,
        "grids": {PTTM06.id: PTTM06_GRID},
        "globals": GLOBALS,
    }


def render(registry: Registry) -> str:
    body = yaml.safe_dump(config(registry), allow_unicode=True, sort_keys=False, width=100)
    return "# Generated from layers/*.yml by `sig derive`: do not edit by hand.\n" + body
