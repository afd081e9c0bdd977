"""OGC API Features and Tiles.

The project's own views serve features, tiles, tilesets, conformance, styles and tile matrix
sets from PostGIS; pygeoapi renders only the landing page, the collections, the queryables,
the schemas and the OpenAPI page (`sig.ogcapi.pages`); writes go to `sig.editing.api`.
"""
