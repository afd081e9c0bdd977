"""pygeoapi runs on the project's providers: its own request handlers (items, item, tiles,
queryables) answer from PostGIS through `sig.ogcapi.providers`; the configuration derived from
the registry validates against pygeoapi's schema once deployment values are filled in."""

from __future__ import annotations

import json

import pytest
import yaml
from django.test import RequestFactory
from jsonschema import validate
from pygeoapi.api import APIRequest
from pygeoapi.api import itemtypes as itemtypes_api
from pygeoapi.api import tiles as tiles_api
from pygeoapi.util import SCHEMASDIR

from sig.ogcapi.mount import get_api, load_config
from sig.ogcapi.providers import PostGISMVTProvider, PostGISProvider

BASE = "http://testserver/ogcapi"


def call(function, path: str, *args, **params):
    api = get_api(BASE)
    request = APIRequest.from_django(RequestFactory().get(path, params), api.locales)
    headers, status, content = function(api, request, *args)
    return status, headers, content


def test_configuration_validates_against_pygeoapi_schema():
    schema = yaml.safe_load((SCHEMASDIR / "config" / "pygeoapi-config-0.x.yml").read_text())
    config = load_config(BASE)
    validate(config, schema)
    providers = config["resources"]["rede_viaria"]["providers"]
    assert [p["name"] for p in providers] == ["sig.ogcapi.providers.PostGISProvider",
                                              "sig.ogcapi.providers.PostGISMVTProvider"]
    assert "${" not in json.dumps(config)
    assert config["resources"]["rede_viaria"]["title"]["en"] == "Road network"


def test_pygeoapi_items_through_the_project_provider(demo, reader):
    status, headers, content = call(itemtypes_api.get_collection_items,
                                    "/ogcapi/collections/residuos/items", "residuos",
                                    limit="5", municipio="1009", sortby="-fonte_id")
    document = json.loads(content)
    assert status == 200 and document["numberReturned"] == 5
    assert document["numberMatched"] == reader.execute(
        "SELECT count(*) FROM residuos WHERE municipio = '1009'").fetchone()[0]
    keys = [f["properties"]["fonte_id"] for f in document["features"]]
    assert keys == sorted(keys, reverse=True)
    status, _, content = call(itemtypes_api.get_collection_items,
                              "/ogcapi/collections/residuos/items", "residuos",
                              filter="municipio = '1010'", limit="3")
    assert {f["properties"]["municipio"] for f in json.loads(content)["features"]} == {"1010"}


def test_pygeoapi_item_crs_and_missing_item(demo, reader):
    item_id = reader.execute("SELECT min(id) FROM residuos").fetchone()[0]
    status, headers, content = call(
        itemtypes_api.get_collection_item, f"/ogcapi/collections/residuos/items/{item_id}",
        "residuos", str(item_id), crs="http://www.opengis.net/def/crs/EPSG/0/3763")
    x = json.loads(content)["geometry"]["coordinates"][0]
    assert status == 200 and -400_000 < x < 400_000  # metres, not degrees
    status, _, _ = call(itemtypes_api.get_collection_item,
                        "/ogcapi/collections/residuos/items/0", "residuos", "0")
    assert status == 404


def test_pygeoapi_tiles_through_the_project_provider(demo):
    status, headers, content = call(tiles_api.get_collection_tiles_data,
                                    "/ogcapi/collections/municipios/tiles/WebMercatorQuad/9/193/"
                                    "244", "municipios", "WebMercatorQuad", "9", "193", "244",
                                    f="mvt")
    assert status == 200 and b"municipios" in content
    status, _, content = call(tiles_api.get_collection_tiles, "/ogcapi/collections/municipios/"
                              "tiles", "municipios")
    tilesets = json.loads(content)["tilesets"]
    assert {t["tileMatrixSetURI"].rsplit("/", 1)[-1] for t in tilesets} >= {
        "WebMercatorQuad", "WorldCRS84Quad"}


def test_providers_are_cheap_to_build():
    """pygeoapi builds a provider per request: no database work in the constructor."""
    definition = load_config(BASE)["resources"]["moradas"]["providers"]
    feature = PostGISProvider(definition[0])
    assert feature.fields["codigo_postal"]["type"] == "string"
    tiles = PostGISMVTProvider(definition[1])
    assert [s.tileMatrixSet for s in tiles.get_tiling_schemes()] == [
        "WebMercatorQuad", "PTTM06", "WorldCRS84Quad"]
    with pytest.raises(Exception, match="tabela sem coleção"):
        PostGISProvider(dict(definition[0], table="nao_existe"))
