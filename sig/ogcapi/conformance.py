"""Conformance classes the API implements (and is tested for)."""

from __future__ import annotations

_COMMON = "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf"
_FEATURES = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf"
_FEATURES3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf"
_FEATURES4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf"
_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
_TMS = "http://www.opengis.net/spec/tms/2.0/conf"

CONFORMANCE = (
    f"{_COMMON}/core", f"{_COMMON}/landing-page", f"{_COMMON}/json", f"{_COMMON}/html",
    f"{_COMMON}/oas30",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    f"{_FEATURES}/core", f"{_FEATURES}/oas30", f"{_FEATURES}/html", f"{_FEATURES}/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    f"{_FEATURES3}/queryables", f"{_FEATURES3}/queryables-query-parameters",
    f"{_FEATURES3}/filter", f"{_FEATURES3}/features-filter",
    f"{_FEATURES4}/create-replace-delete", f"{_FEATURES4}/update", f"{_FEATURES4}/features",
    f"{_FEATURES4}/optimistic-locking-etags",
    f"{_CQL2}/cql2-text", f"{_CQL2}/cql2-json", f"{_CQL2}/basic-cql2",
    f"{_CQL2}/advanced-comparison-operators", f"{_CQL2}/case-insensitive-comparison",
    f"{_CQL2}/basic-spatial-functions", f"{_CQL2}/basic-spatial-functions-plus",
    f"{_CQL2}/spatial-functions", f"{_CQL2}/temporal-functions", f"{_CQL2}/property-property",
    f"{_TILES}/core", f"{_TILES}/tileset", f"{_TILES}/tilesets-list",
    f"{_TILES}/geodata-tilesets", f"{_TILES}/dataset-tilesets", f"{_TILES}/geodata-selection",
    f"{_TILES}/mvt", f"{_TILES}/oas30", f"{_TILES}/tilejson",
    f"{_TMS}/tilematrixset", f"{_TMS}/json-tilematrixset", f"{_TMS}/tilematrixsetlimits",
)
