"""External basemaps for deployments with internet access (SIG_MAPS_EXTERNAL_BASEMAPS=1).

Off by default: the service renders its own basemap from its data. When on, MapProxy also
serves and caches, in both grids:
- `ortofotos_dgt`: the orthophotos of Direção-Geral do Território (its public WMS);
- `openstreetmap`: the OpenStreetMap standard tiles (respect the OSMF tile usage policy:
  identify the service in the User-Agent, keep the cache, no bulk seeding).
"""

from __future__ import annotations

# DGT's orthophoto WMS (EPSG:3763 and EPSG:3857); check the layer name against its
# GetCapabilities when DGT publishes a newer coverage.
DGT_WMS_URL = "https://ortos.dgterritorio.gov.pt/wms/ortos2018"
DGT_LAYER = "Ortos2018-RGB"
OSM_URL = "https://tile.openstreetmap.org/%(z)s/%(x)s/%(y)s.png"
USER_AGENT = "SIG-CIMRL/1.0 (+https://www.cimregiaodeleiria.pt)"
TITLES = {"ortofotos_dgt": "Ortofotomapas (DGT)", "openstreetmap": "OpenStreetMap"}
ATTRIBUTION = {
    "ortofotos_dgt": "Ortofotomapas © Direção-Geral do Território",
    "openstreetmap": "© contribuidores do OpenStreetMap",
}


def sources() -> dict:
    http = {"headers": {"User-Agent": USER_AGENT}, "client_timeout": 30}
    return {
        "ortofotos_dgt_src": {
            "type": "wms", "http": http,
            "req": {"url": DGT_WMS_URL, "layers": DGT_LAYER, "transparent": False},
            "supported_srs": ["EPSG:3763", "EPSG:3857"],
            "wms_opts": {"version": "1.3.0"},
        },
        "openstreetmap_src": {"type": "tile", "url": OSM_URL, "grid": "GLOBAL_WEBMERCATOR",
                              "http": http},
    }


def add_to_mapproxy(conf: dict) -> None:
    """Add the external basemaps' sources, caches and layers to a MapProxy configuration."""
    for name, source in sources().items():
        layer = name.removesuffix("_src")
        tiled = source["type"] == "tile"
        conf["sources"][name] = source
        conf["caches"][f"{layer}_cache"] = {
            # A tile source is cached in its own grid only (MapProxy does not warp tiles).
            "grids": ["GLOBAL_WEBMERCATOR"] if tiled else ["GLOBAL_WEBMERCATOR", "PTTM06"],
            "sources": [name], "format": "image/jpeg",
            "meta_size": [1, 1] if tiled else [4, 4],
            "cache": {"type": "file", "directory_layout": "tms"},
        }
        conf["layers"].append({"name": layer, "title": TITLES[layer],
                               "sources": [f"{layer}_cache"],
                               "md": {"attribution": {"title": ATTRIBUTION[layer]}}})
