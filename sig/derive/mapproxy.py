"""`mapproxy.yaml`: cached WMS/WMTS of every theme over the MapServer mapfile.

Grids: GLOBAL_WEBMERCATOR and the project's PT-TM06 grid (the same tile matrix set as the
vector tiles).
"""

from __future__ import annotations

import yaml

from sig.registry import Registry
from sig.tilegrid import PTTM06

PTTM06_GRID = {
    "srs": f"EPSG:{PTTM06.srid}",
    "bbox": list(PTTM06.bbox),
    "origin": "nw",
    "res": list(PTTM06.resolutions),
    "tile_size": [PTTM06.tile_size, PTTM06.tile_size],
}


def config(registry: Registry) -> dict:
    layers, caches, sources = [], {}, {}
    for theme in registry:
        if not theme.exposure.maps.enabled:
            continue
        sources[f"{theme.id}_src"] = {
            "type": "mapserver",
            "req": {"layers": theme.id, "map": "${SIG_MAPFILE}", "transparent": True},
            "coverage": {"bbox": [-9.3, 39.55, -8.05, 40.1], "srs": "EPSG:4326"},
        }
        caches[f"{theme.id}_cache"] = {
            "grids": ["GLOBAL_WEBMERCATOR", "PTTM06"],
            "sources": [f"{theme.id}_src"],
            "meta_size": [4, 4],
            "meta_buffer": 80,
            "cache": {"type": "file", "directory_layout": "tms"},
        }
        layers.append({"name": theme.id, "title": theme.title.pt,
                       "sources": [f"{theme.id}_cache"]})
    return {
        "services": {
            "demo": None,
            "wms": {"srs": ["EPSG:3763", "EPSG:3857", "EPSG:4326"],
                    "md": {"title": "SIG Intermunicipal da Região de Leiria",
                           "abstract": "Mapas dos temas harmonizados dos municípios da CIMRL"}},
            "wmts": {"restful": True, "kvp": True},
            "tms": {"use_grid_names": True, "origin": "nw"},
        },
        "layers": layers,
        "caches": caches,
        "sources": sources,
        "grids": {"PTTM06": PTTM06_GRID},
        "globals": {"cache": {"base_dir": "${SIG_CACHE_DIR}", "lock_dir": "${SIG_CACHE_DIR}/locks"},
                    "image": {"resampling_method": "bilinear"}},
    }


def render(registry: Registry) -> str:
    body = yaml.safe_dump(config(registry), allow_unicode=True, sort_keys=False, width=100)
    return "# Generated from layers/*.yml by `sig derive`: do not edit by hand.\n" + body
