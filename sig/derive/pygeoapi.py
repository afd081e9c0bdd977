"""`pygeoapi-config.yml`: one collection per theme plus municipios and freguesias.

Deployment values are `${VAR}` references that `sig.ogcapi.mount` resolves from `sig.conf`
when the service starts (URLs, the read-only database role, the templates folder). Extents
are computed from the data at run time, so the file holds nothing that depends on data or on
the deployment. Providers are the project's own PostGIS classes, chosen by dotted path.
"""

from __future__ import annotations

import yaml

from sig.crs import STORAGE
from sig.ogcapi.collections import Collection, build_collections
from sig.ogcapi.crs import crs_uris
from sig.ogcapi.styles import style_link
from sig.registry import Registry

LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
ATTRIBUTION = "CIM Região de Leiria e municípios; limites administrativos: DGT — CAOP"
FEATURE_PROVIDER = "sig.ogcapi.providers.PostGISProvider"
TILE_PROVIDER = "sig.ogcapi.providers.PostGISMVTProvider"
READER = "${SIG_DATABASE_READER_URL}"
PUBLIC = "${SIG_PUBLIC_URL}"


def _feature_provider(collection: Collection) -> dict:
    provider = {
        "type": "feature", "name": FEATURE_PROVIDER, "data": READER,
        "table": collection.table, "id_field": collection.id_column, "geom_field": "geom",
        "storage_crs": STORAGE.uri, "crs": crs_uris(),
    }
    if collection.temporal:
        provider["time_field"] = collection.temporal
    if "nome" in collection.property_names:
        provider["title_field"] = "nome"
    return provider


def _tile_provider(collection: Collection) -> dict:
    limits = collection.tiles
    assert limits is not None
    return {
        "type": "tile", "name": TILE_PROVIDER, "data": READER, "table": collection.table,
        "options": {"zoom": {"min": limits.min_zoom, "max": limits.max_zoom},
                    "schemes": ["WebMercatorQuad", "PTTM06", "WorldCRS84Quad"],
                    "simplify_px": limits.simplify_px},
        "format": {"name": "mvt", "mimetype": "application/vnd.mapbox-vector-tile"},
    }


def _style_links(collection: Collection) -> list[dict]:
    if collection.tiles is None:
        return []
    return [style_link(f"${{SIG_OGCAPI_URL}}/collections/{collection.id}/styles/default")]


def _links(collection: Collection) -> list[dict]:
    if collection.theme is None:
        return _style_links(collection)
    return _style_links(collection) + [
        {"type": "text/html", "rel": "describedby",
         "title": "Dados abertos: ficha e descarregamentos",
         "href": f"{PUBLIC}/dados/{collection.id}/"},
        {"type": "application/geopackage+sqlite3", "rel": "alternate",
         "title": "Descarregar (GeoPackage, todos os municípios)",
         "href": f"{PUBLIC}/dados/{collection.id}/cimrl.gpkg"},
        {"type": "text/html", "rel": "related",
         "title": "Editar no editor municipal",
         "href": f"{PUBLIC}/editor/?tema={collection.id}"},
    ]


def _resource(collection: Collection) -> dict:
    providers = [_feature_provider(collection)]
    if collection.tiles is not None:
        providers.append(_tile_provider(collection))
    return {
        "type": "collection",
        "title": dict(collection.title),
        "description": dict(collection.description),
        "keywords": {lang: list(words) for lang, words in collection.keywords.items()},
        "links": _links(collection),
        "providers": providers,
        "formatters": [{"name": "CSV"}],
    }


def _server() -> dict:
    return {
        "bind": {"host": "127.0.0.1", "port": 8000},
        "url": "${SIG_OGCAPI_URL}",
        "mimetype": "application/json; charset=UTF-8",
        "encoding": "utf-8",
        "languages": ["pt-PT", "en-US"],
        "limits": {"default_items": 100, "max_items": 10000, "on_exceed": "error"},
        "pretty_print": False,
        "templates": {"path": "${SIG_OGCAPI_TEMPLATES}"},
        "map": {"url": f"{PUBLIC}/ogcapi/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}",
                "attribution": ATTRIBUTION},
    }


def _metadata() -> dict:
    return {
        "identification": {
            "title": {"pt": "SIG Intermunicipal da Região de Leiria",
                      "en": "Intermunicipal GIS of the Leiria Region"},
            "description": {"pt": "Camadas harmonizadas dos dez municípios da CIM Região de "
                                  "Leiria, em OGC API Features e Tiles",
                            "en": "Harmonized layers of the ten municipalities of CIM Região "
                                  "de Leiria, as OGC API Features and Tiles"},
            "keywords": {"pt": ["SIG", "CIMRL", "municípios", "dados abertos"],
                         "en": ["GIS", "municipalities", "open data"]},
            "keywords_type": "theme",
            "terms_of_service": LICENCE["url"],
            "url": PUBLIC,
        },
        "license": dict(LICENCE, attribution=ATTRIBUTION),
        "provider": {"name": "Comunidade Intermunicipal da Região de Leiria",
                     "url": "https://www.cimregiaoleiria.pt"},
        "contact": {"name": "CIM Região de Leiria", "position": "SIG",
                    "address": "Rua Fernando Lopes Vieira, 5", "city": "Leiria",
                    "stateorprovince": "Leiria", "postalcode": "2401-801",
                    "country": "Portugal", "email": "sig@cimregiaoleiria.pt",
                    "url": "https://www.cimregiaoleiria.pt", "role": "pointOfContact"},
    }


def config(registry: Registry) -> dict:
    collections = build_collections(registry)
    return {
        "server": _server(),
        "logging": {"level": "ERROR"},
        "metadata": _metadata(),
        "resources": {cid: _resource(c) for cid, c in collections.items()},
    }


def render(registry: Registry) -> str:
    body = yaml.safe_dump(config(registry), allow_unicode=True, sort_keys=False, width=100)
    return ("# Generated from layers/*.yml by `sig derive`: do not edit by hand.\n"
            "# ${VAR} values are resolved from the service settings at start-up; extents are\n"
            "# computed from the data at run time.\n" + body)
