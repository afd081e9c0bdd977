"""`pygeoapi-config.yml`: one collection per theme plus municipios and freguesias.

Connection values are `${VAR}` references that pygeoapi resolves from the environment.
"""

from __future__ import annotations

import yaml

from sig.registry import Registry

LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
ATTRIBUTION = "CIM Região de Leiria e municípios; limites administrativos: DGT — CAOP"
CIMRL_BBOX = [-9.3, 39.55, -8.05, 40.1]

DB = {
    "host": "${SIG_DB_HOST}",
    "port": "${SIG_DB_PORT}",
    "dbname": "${SIG_DB_NAME}",
    "user": "${SIG_DB_READER_USER}",
    "password": "${SIG_DB_READER_PASSWORD}",
}


def _provider(table: str, id_field: str) -> dict:
    return {
        "type": "feature",
        "name": "PostgreSQL",
        "data": dict(DB),
        "id_field": id_field,
        "table": table,
        "geom_field": "geom",
        "storage_crs": "http://www.opengis.net/def/crs/EPSG/0/3763",
        "crs": [
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "http://www.opengis.net/def/crs/EPSG/0/4326",
            "http://www.opengis.net/def/crs/EPSG/0/3763",
            "http://www.opengis.net/def/crs/EPSG/0/3857",
        ],
    }


def _collection(title: dict, description: dict, keywords: list[str], table: str,
                id_field: str) -> dict:
    return {
        "type": "collection",
        "title": title,
        "description": description,
        "keywords": keywords,
        "links": [],
        "extents": {"spatial": {"bbox": CIMRL_BBOX,
                                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "providers": [_provider(table, id_field)],
    }


def _territory() -> dict:
    return {
        "municipios": _collection(
            {"pt": "Municípios", "en": "Municipalities"},
            {"pt": "Limites dos municípios servidos (DGT — CAOP)",
             "en": "Boundaries of the municipalities served (DGT — CAOP)"},
            ["CAOP", "municípios"], "municipio", "dico"),
        "freguesias": _collection(
            {"pt": "Freguesias", "en": "Parishes"},
            {"pt": "Limites das freguesias (DGT — CAOP)", "en": "Parish boundaries (DGT — CAOP)"},
            ["CAOP", "freguesias"], "freguesia", "dicofre"),
    }


def config(registry: Registry) -> dict:
    resources = _territory()
    for theme in registry:
        if not theme.exposure.ogcapi:
            continue
        keywords = theme.keywords.get("pt", []) + theme.keywords.get("en", [])
        resources[theme.id] = _collection(theme.title.model_dump(),
                                          theme.description.model_dump(), keywords, theme.table,
                                          "id")
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 8000},
            "url": "${SIG_OGCAPI_URL}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["pt-PT", "en-US"],
            "limits": {"default_items": 100, "max_items": 10000, "on_exceed": "error"},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {"pt": "SIG Intermunicipal da Região de Leiria",
                          "en": "Intermunicipal GIS of the Leiria Region"},
                "description": {"pt": "Camadas harmonizadas dos dez municípios da CIM Região de "
                                      "Leiria", "en": "Harmonized layers of the ten "
                                      "municipalities of CIM Região de Leiria"},
                "keywords": {"pt": ["SIG", "CIMRL", "municípios"], "en": ["GIS", "municipalities"]},
                "keywords_type": "theme",
                "terms_of_service": LICENCE["url"],
                "url": "${SIG_PUBLIC_URL}",
            },
            "license": LICENCE,
            "provider": {"name": "Comunidade Intermunicipal da Região de Leiria",
                         "url": "https://www.cimregiaoleiria.pt"},
            "contact": {"name": "CIM Região de Leiria", "position": "SIG",
                        "address": "Rua Fernando Lopes Vieira, 5", "city": "Leiria",
                        "stateorprovince": "Leiria", "postalcode": "2401-801",
                        "country": "Portugal", "email": "sig@cimregiaoleiria.pt",
                        "url": "https://www.cimregiaoleiria.pt", "role": "pointOfContact"},
        },
        "resources": resources,
    }


def render(registry: Registry) -> str:
    body = yaml.safe_dump(config(registry), allow_unicode=True, sort_keys=False, width=100)
    return "# Generated from layers/*.yml by `sig derive`: do not edit by hand.\n" + body
