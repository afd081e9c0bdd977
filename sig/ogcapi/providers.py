"""The project's pygeoapi providers: PostGIS does the work, chosen by dotted path in the config.

`PostGISProvider` (features) and `PostGISMVTProvider` (vector tiles) share the SQL of the
Django fast paths (`sig.ogcapi.query`, `sig.ogcapi.tiles`): GeoJSON and MVT built by PostGIS,
integer SRIDs, one query per request, pooled connections. Constructing a provider touches
neither the database nor the network (pygeoapi builds one per request).
"""

from __future__ import annotations

import json
from typing import Any

from pygeoapi.models.provider.base import TileMatrixSetEnumType
from pygeoapi.provider.base import (
    BaseProvider,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
    ProviderQueryError,
)
from pygeoapi.provider.base_mvt import BaseMVTProvider
from pygeoapi.provider.tile import ProviderTileNotFoundError

from sig.ogcapi import cql2, db, features, pygeofilter_bridge
from sig.ogcapi.collections import Collection, get_collections
from sig.ogcapi.crs import CRS84, PTTM06, parse_crs
from sig.ogcapi.errors import OgcError
from sig.ogcapi.params import ItemsQuery, parse_datetime, typed_value
from sig.ogcapi.sqlfilter import compile_filter
from sig.ogcapi.tiles import (
    TILE_MATRIX_SETS,
    layer_statement,
    parse_tile,
    tile_params,
    tms_document,
)


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


def _as_pygeoapi_error(error: OgcError) -> Exception:
    if error.status == 404:
        return ProviderItemNotFoundError(error.description)
    if error.status == 400:
        return ProviderInvalidQueryError(error.description)
    return ProviderQueryError(error.description)


def _target_crs(crs_transform_spec) -> Any:
    if crs_transform_spec is None:
        return CRS84
    return parse_crs(getattr(crs_transform_spec, "target_crs_uri", None) or CRS84.uri)


class PostGISProvider(BaseProvider):
    """Features of one registry table."""

    def __init__(self, provider_def: dict):
        super().__init__(provider_def)
        self.table = provider_def["table"]
        self.collection = collection_for_table(self.table)
        self.id_field = self.collection.id_column
        self.time_field = self.collection.temporal
        self._fields = self.get_fields()

    def get_fields(self) -> dict:
        return {prop.name: _field(prop) for prop in self.collection.properties}

    def _items_query(self, offset, limit, bbox, datetime_, properties, sortby,
                     select_properties, skip_geometry, filterq, crs) -> ItemsQuery:
        collection = self.collection
        query = ItemsQuery(limit=limit, offset=offset, crs=crs, skip_geometry=skip_geometry)
        if bbox:
            query.bbox, query.bbox_crs = tuple(float(v) for v in bbox[:4]), PTTM06
        if datetime_ and collection.temporal:
            query.time = parse_datetime(datetime_)
        query.municipios = tuple(str(v) for name, v in properties if name == "municipio")
        others = [(collection.get_property(name), str(value)) for name, value in properties
                  if name != "municipio"]
        query.equals = tuple((prop, typed_value(prop, value)) for prop, value in others)
        query.sortby = tuple((s["property"], s["order"] == "-") for s in sortby)
        query.properties = tuple(select_properties) if select_properties else None
        if filterq is not None:
            tree = pygeofilter_bridge.convert(filterq)
            query.filter_sql, query.filter_params = compile_filter(tree, collection, PTTM06)
        return query

    def query(self, offset=0, limit=10, resulttype="results", bbox=None, datetime_=None,
              properties=None, sortby=None, select_properties=None, skip_geometry=False, q=None,
              filterq=None, crs_transform_spec=None, **kwargs) -> dict:
        try:
            query = self._items_query(offset, limit, bbox or [], datetime_, properties or [],
                                      sortby or [], select_properties or [], skip_geometry,
                                      filterq, _target_crs(crs_transform_spec))
            with db.connection() as conn, db.query_errors():
                if resulttype == "hits":
                    matched = features.fetch_count(conn, self.collection, query)
                    return {"type": "FeatureCollection", "features": [],
                            "numberMatched": matched, "numberReturned": 0}
                page = features.fetch_page(conn, self.collection, query)
        except OgcError as error:
            raise _as_pygeoapi_error(error) from error
        except cql2.CqlError as error:
            raise ProviderInvalidQueryError(str(error)) from error
        document = json.loads(features.collection_document(page, []))
        document.pop("timeStamp", None)
        return document

    def get(self, identifier, crs_transform_spec=None, **kwargs) -> dict:
        try:
            with db.connection() as conn, db.query_errors():
                found = features.fetch_item(conn, self.collection, str(identifier),
                                            _target_crs(crs_transform_spec))
        except OgcError as error:
            raise _as_pygeoapi_error(error) from error
        if found is None:
            raise ProviderItemNotFoundError(f"elemento {identifier} não encontrado")
        return json.loads(found[0])

    def __repr__(self) -> str:
        return f"<PostGISProvider> {self.table}"


def tiling_scheme(tms_id: str) -> TileMatrixSetEnumType:
    document = tms_document(TILE_MATRIX_SETS[tms_id])
    return TileMatrixSetEnumType(
        tileMatrixSet=document["id"], tileMatrixSetURI=document["uri"], crs=document["crs"],
        title=document["title"], orderedAxes=document["orderedAxes"],
        wellKnownScaleSet=document.get("wellKnownScaleSet", ""),
        tileMatrices=document["tileMatrices"])


class PostGISMVTProvider(BaseMVTProvider):
    """Vector tiles of one registry table, in WebMercatorQuad and PTTM06."""

    def __init__(self, provider_def: dict):
        super().__init__(provider_def)
        self.table = provider_def["table"]
        self.collection = collection_for_table(self.table)
        self._service_url = ""

    def get_layer(self) -> str:
        return self.collection.id

    def get_fields(self) -> dict:
        return {prop.name: _field(prop) for prop in self.collection.properties}

    def get_tiling_schemes(self) -> list[TileMatrixSetEnumType]:
        wanted = self.schemes or list(TILE_MATRIX_SETS)
        return [tiling_scheme(tms_id) for tms_id in wanted if tms_id in TILE_MATRIX_SETS]

    def get_tiles_service(self, baseurl=None, servicepath=None, dirpath=None,
                          tile_type=None) -> dict:
        self._service_url = servicepath or ""
        return {"links": [{"type": self.mimetype, "rel": "item",
                           "title": "Teselas vetoriais (MVT)", "href": self._service_url}]}

    def get_tiles(self, layer=None, tileset=None, z=None, y=None, x=None, format_=None):
        from sig.ogcapi.tiles import get_tms

        try:
            tms = get_tms(str(tileset))
            level, row, col = parse_tile(tms, str(z), str(y), str(x))
            params = tile_params(tms, level, row, col, self.collection.tiles.simplify_px
                                 if self.collection.tiles else 0.0)
            if params is None:  # outside the region: an empty tile
                return b""
            with db.connection() as conn, db.query_errors():
                data = conn.execute(layer_statement(self.collection, tms), params).fetchone()[0]
        except OgcError as error:
            raise ProviderTileNotFoundError(error.description) from error
        return bytes(data or b"")

    def get_default_metadata(self, dataset, server_url, layer, tileset, title, description,
                             keywords, **kwargs) -> dict:
        from sig.ogcapi.tilesets import tileset_document

        return tileset_document(server_url, f"/collections/{dataset}/tiles", title,
                                TILE_MATRIX_SETS[tileset], [self.collection], None)

    def get_vendor_metadata(self, dataset, server_url, layer, tileset, title, description,
                            keywords, **kwargs) -> dict:
        from sig.ogcapi.tilesets import tilejson_document

        return tilejson_document(server_url, f"/collections/{dataset}/tiles", title,
                                 [self.collection], None)

    def get_html_metadata(self, *args, **kwargs) -> dict:
        return self.get_default_metadata(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<PostGISMVTProvider> {self.table}"
