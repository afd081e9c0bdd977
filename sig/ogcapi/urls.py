"""URLs of the OGC API, mounted at /ogcapi/ (paths follow pygeoapi's conventions).

GET and HEAD are read here; POST, PUT, PATCH, DELETE and OPTIONS on items go to the editing
API (`sig.editing.api.dispatch_items`) when it is installed, else 405.
"""

from django.urls import re_path

from sig.ogcapi import pages, styles, tilesets, views

C = r"(?P<collection_id>[^/]+)"
TMS = r"(?P<tms_id>[^/]+)"
TILE = r"(?P<level>[^/]+)/(?P<row>[^/]+)/(?P<col>[^/]+)"
STYLE = r"(?P<style_id>[^/]+)"

urlpatterns = [
    re_path(r"^$", pages.landing, name="ogcapi-landing"),
    re_path(r"^openapi/?$", pages.openapi, name="ogcapi-openapi"),
    re_path(r"^conformance/?$", pages.conformance, name="ogcapi-conformance"),
    re_path(r"^collections/?$", pages.collections, name="ogcapi-collections"),
    re_path(rf"^collections/{C}/?$", pages.collection, name="ogcapi-collection"),
    re_path(rf"^collections/{C}/queryables/?$", pages.queryables, name="ogcapi-queryables"),
    re_path(rf"^collections/{C}/schema/?$", pages.schema, name="ogcapi-schema"),
    re_path(rf"^collections/{C}/items/?$", views.items, name="ogcapi-items"),
    re_path(rf"^collections/{C}/items/(?P<item_id>[^/]+)/?$", views.item, name="ogcapi-item"),
    re_path(rf"^collections/{C}/tiles/?$", tilesets.collection_tilesets,
            name="ogcapi-collection-tilesets"),
    re_path(rf"^collections/{C}/tiles/{TMS}(?:/metadata)?/?$",
            tilesets.collection_tileset, name="ogcapi-collection-tileset"),
    re_path(rf"^collections/{C}/tiles/{TMS}/{TILE}/?$", views.collection_tile,
            name="ogcapi-collection-tile"),
    re_path(r"^tiles/?$", tilesets.dataset_tilesets, name="ogcapi-tilesets"),
    re_path(rf"^tiles/{TMS}/?$", tilesets.dataset_tileset, name="ogcapi-tileset"),
    re_path(rf"^tiles/{TMS}/{TILE}/?$", views.dataset_tile, name="ogcapi-tile"),
    re_path(rf"^collections/{C}/styles/?$", styles.collection_styles,
            name="ogcapi-collection-styles"),
    re_path(rf"^collections/{C}/styles/{STYLE}/?$", styles.collection_style_view,
            name="ogcapi-collection-style"),
    re_path(r"^styles/?$", styles.map_styles, name="ogcapi-styles"),
    re_path(rf"^styles/{STYLE}/?$", styles.map_style_view, name="ogcapi-style"),
    re_path(r"^TileMatrixSets/?$", tilesets.tile_matrix_sets,
            name="ogcapi-tilematrixsets"),
    re_path(rf"^TileMatrixSets/{TMS}/?$", tilesets.tile_matrix_set,
            name="ogcapi-tilematrixset"),
    # the spelling of the OGC API - Tiles examples
    re_path(r"^tileMatrixSets/?$", tilesets.tile_matrix_sets),
    re_path(rf"^tileMatrixSets/{TMS}/?$", tilesets.tile_matrix_set),
    re_path(r"^.*$", pages.unknown, name="ogcapi-unknown"),
]
