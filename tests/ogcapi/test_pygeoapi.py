"""What pygeoapi does here: it renders the landing page, collections, queryables, schemas and
the OpenAPI page from the configuration derived from the registry (which validates against
pygeoapi's schema once deployment values are filled in) and from the project's metadata-only
providers. Features and tiles are the project's own views; the requests pygeoapi used to
answer through providers are checked here on the routes that serve them."""

from __future__ import annotations

import json

import pytest
import yaml
from jsonschema import validate
from pygeoapi.util import SCHEMASDIR

from sig.ogcapi.mount import load_config
from sig.ogcapi.providers import PostGISMVTProvider, PostGISProvider
from tests.ogcapi.conftest import get_json

BASE = "http://testserver/ogcapi"
TILES_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"


def test_configuration_validates_against_pygeoapi_schema():
    schema = yaml.safe_load((SCHEMASDIR / "config" / "pygeoapi-config-0.x.yml").read_text())
    config = load_config(BASE)
    validate(config, schema)
    providers = config["resources"]["rede_viaria"]["providers"]
    assert [p["name"] for p in providers] == ["sig.ogcapi.providers.PostGISProvider",
                                              "sig.ogcapi.providers.PostGISMVTProvider"]
    assert "${" not in json.dumps(config)
    assert config["resources"]["rede_viaria"]["title"]["en"] == "Road network"


def test_providers_are_cheap_to_build():
    """pygeoapi builds a provider per request: no database work in the constructor."""
    definition = load_config(BASE)["resources"]["moradas"]["providers"]
    feature = PostGISProvider(definition[0])
    assert feature.fields["codigo_postal"]["type"] == "string"
    assert PostGISMVTProvider(definition[1]).tile_type == "vector"
    with pytest.raises(Exception, match="tabela sem coleção"):
        PostGISProvider(dict(definition[0], table="nao_existe"))


def test_pygeoapi_pages_read_the_providers(api):
    queryables = get_json(api, "/ogcapi/collections/moradas/queryables")
    assert queryables["properties"]["codigo_postal"]["type"] == "string"
    schema = get_json(api, "/ogcapi/collections/moradas/schema")
    assert schema["properties"]["codigo_postal"]["type"] == "string"
    collection = get_json(api, "/ogcapi/collections/moradas")
    assert any(link["rel"] == TILES_REL for link in collection["links"])


def test_items_paged_sorted_and_filtered(api, reader):
    document = get_json(api, "/ogcapi/collections/residuos/items", limit="5",
                        municipio="1009", sortby="-fonte_id")
    assert document["numberReturned"] == 5
    assert document["numberMatched"] == reader.execute(
        "SELECT count(*) FROM residuos WHERE municipio = '1009'").fetchone()[0]
    keys = [f["properties"]["fonte_id"] for f in document["features"]]
    assert keys == sorted(keys, reverse=True)
    document = get_json(api, "/ogcapi/collections/residuos/items",
                        filter="municipio = '1010'", limit="3")
    assert {f["properties"]["municipio"] for f in document["features"]} == {"1010"}


def test_item_crs_and_missing_item(api, reader):
    item_id = reader.execute("SELECT min(id) FROM residuos").fetchone()[0]
    feature = get_json(api, f"/ogcapi/collections/residuos/items/{item_id}",
                       crs="http://www.opengis.net/def/crs/EPSG/0/3763")
    x = feature["geometry"]["coordinates"][0]
    assert -400_000 < x < 400_000  # metres, not degrees
    assert api.get("/ogcapi/collections/residuos/items/0").status_code == 404


def test_collection_tiles_and_tilesets(api):
    response = api.get("/ogcapi/collections/municipios/tiles/WebMercatorQuad/9/193/244",
                       {"f": "mvt"})
    assert response.status_code == 200 and b"municipios" in response.content
    tilesets = get_json(api, "/ogcapi/collections/municipios/tiles")["tilesets"]
    assert {t["tileMatrixSetURI"].rsplit("/", 1)[-1] for t in tilesets} >= {
        "WebMercatorQuad", "WorldCRS84Quad"}
    tilesets = get_json(api, "/ogcapi/collections/moradas/tiles")["tilesets"]
    assert [t["tileMatrixSetURI"].rsplit("/", 1)[-1].rsplit(":", 1)[-1] for t in tilesets] == [
        "WebMercatorQuad", "PTTM06", "WorldCRS84Quad"]
