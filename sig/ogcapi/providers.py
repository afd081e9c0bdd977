"""The pygeoapi providers named in `pygeoapi-config.yml`: metadata only, no data.

pygeoapi renders the landing page, the collections, the queryables, the schemas and the
OpenAPI page (`sig.ogcapi.pages`). For those it builds a provider per request and reads only
its fields (`get_fields`, `id_field`, `time_field`) and, for the tile provider, its
`tile_type` (to link a collection's tilesets). Features and tiles never go through pygeoapi:
they are served by the project's own views (`sig.ogcapi.views`, `sig.ogcapi.tilesets`).
Constructing a provider touches neither the database nor the network.
"""

from __future__ import annotations

from typing import Any

from pygeoapi.provider.base import BaseProvider, ProviderQueryError
from pygeoapi.provider.base_mvt import BaseMVTProvider

from sig.ogcapi.collections import Collection, get_collections


def collection_for_table(table: str) -> Collection:
    for collection in get_collections().values():
        if collection.table == table:
            return collection
    raise ProviderQueryError(f"tabela sem coleção no registo: {table}")


def _field(prop) -> dict:
    field: dict[str, Any] = {"type": prop.type, "title": prop.title["pt"]}
    if prop.format:
        field["format"] = prop.format
    if prop.enum:
        field["values"] = list(prop.enum)
    return field


class PostGISProvider(BaseProvider):
    """The fields of one registry table, for pygeoapi's queryables and schema documents."""

    def __init__(self, provider_def: dict):
        super().__init__(provider_def)
        self.table = provider_def["table"]
        self.collection = collection_for_table(self.table)
        self.id_field = self.collection.id_column
        self.time_field = self.collection.temporal
        self._fields = self.get_fields()

    def get_fields(self) -> dict:
        return {prop.name: _field(prop) for prop in self.collection.properties}

    def __repr__(self) -> str:
        return f"<PostGISProvider> {self.table}"


class PostGISMVTProvider(BaseMVTProvider):
    """Says that a registry table has vector tiles, so pygeoapi links its tilesets."""

    def __init__(self, provider_def: dict):
        super().__init__(provider_def)
        self.table = provider_def["table"]
        self.collection = collection_for_table(self.table)

    def __repr__(self) -> str:
        return f"<PostGISMVTProvider> {self.table}"
