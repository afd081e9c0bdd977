"""The OpenAPI 3.0 document of the OGC API, generated from the collections.

Self-contained: the schema fragments that OGC documents publish at schemas.opengis.net
(exception, link, landing page, conformance, collections, GeoJSON, tile sets, tile matrix
sets) are written out here as local components, so clients and the test suite resolve every
`$ref` inside the document, without network. `limit` publishes default 100 and maximum
10,000 on every items path (QGIS pages with that maximum). Every theme's items paths also
describe the writes of the editing API (OGC API Features Part 4), with request bodies derived
from the registry's attributes.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from pathlib import Path

from sig.conf import get_settings
from sig.ogcapi.collections import Collection, Property, get_collections
from sig.ogcapi.crs import crs_uris
from sig.ogcapi.openapi_writes import SECURITY_SCHEMES, item_writes, items_writes
from sig.ogcapi.params import DEFAULT_LIMIT, MAX_LIMIT
from sig.ogcapi.tiles import TILE_MATRIX_SETS

log = logging.getLogger(__name__)

REF = "#/components/"
JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
MVT = "application/vnd.mapbox-vector-tile"
MAPBOX_STYLE = "application/vnd.mapbox.style+json"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"{REF}{kind}/{name}"}


def _array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


LINK = {"type": "object", "required": ["href"], "properties": {
    "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
    "hreflang": {"type": "string"}, "title": {"type": "string"},
    "length": {"type": "integer"}, "templated": {"type": "boolean"}}}
LINKS = _array(_ref("schemas", "link"))
GEOMETRY_TYPES = ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection"]

SCHEMAS = {
    "exception": {"type": "object", "required": ["code"], "properties": {
        "code": {"type": "string"}, "description": {"type": "string"},
        "status": {"type": "integer"}}},
    "link": LINK,
    "landingPage": {"type": "object", "required": ["links"], "properties": {
        "title": {"type": "string"}, "description": {"type": "string"}, "links": LINKS}},
    "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
        "conformsTo": _array({"type": "string"})}},
    "extent": {"type": "object", "properties": {
        "spatial": {"type": "object", "properties": {
            "bbox": _array(_array({"type": "number"}, minItems=4, maxItems=6)),
            "crs": {"type": "string"}}},
        "temporal": {"type": "object", "properties": {
            "interval": _array(_array({"type": "string", "nullable": True}, minItems=2,
                                      maxItems=2)),
            "trs": {"type": "string"}}}}},
    "collection": {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "links": LINKS,
        "extent": _ref("schemas", "extent"), "itemType": {"type": "string"},
        "crs": _array({"type": "string"}), "storageCrs": {"type": "string"}}},
    "collections": {"type": "object", "required": ["links", "collections"], "properties": {
        "links": LINKS, "collections": _array(_ref("schemas", "collection"))}},
    "geometryGeoJSON": {"type": "object", "required": ["type"], "properties": {
        "type": {"type": "string", "enum": GEOMETRY_TYPES}}},
    "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"],
                       "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": {"allOf": [_ref("schemas", "geometryGeoJSON")], "nullable": True},
        "properties": {"type": "object", "nullable": True}, "links": LINKS}},
    "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"],
                                 "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": _array(_ref("schemas", "featureGeoJSON")), "links": LINKS,
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0}}},
    "jsonSchema": {"type": "object", "required": ["type", "properties"], "properties": {
        "type": {"type": "string"}, "properties": {"type": "object"},
        "title": {"type": "string"}}},
    "tileSetList": {"type": "object", "required": ["tilesets"], "properties": {
        "links": LINKS, "tilesets": _array({"type": "object", "required": ["links"],
                                            "properties": {"links": LINKS}})}},
    "tileSet": {"type": "object", "required": ["crs", "links"], "properties": {
        "title": {"type": "string"}, "dataType": {"type": "string"}, "crs": {"type": "string"},
        "tileMatrixSetURI": {"type": "string"}, "links": LINKS,
        "tileMatrixSetLimits": _array({"type": "object"}), "layers": _array({"type": "object"})}},
    "tileJSON": {"type": "object", "required": ["tilejson", "tiles"], "properties": {
        "tilejson": {"type": "string"}, "tiles": _array({"type": "string"}),
        "minzoom": {"type": "integer"}, "maxzoom": {"type": "integer"},
        "vector_layers": _array({"type": "object"})}},
    "tileMatrixSet": {"type": "object", "required": ["id", "crs", "tileMatrices"],
                      "properties": {"id": {"type": "string"}, "crs": {"type": "string"},
                                     "tileMatrices": _array({"type": "object"})}},
    "tileMatrixSets": {"type": "object", "required": ["tileMatrixSets"], "properties": {
        "tileMatrixSets": _array({"type": "object"}), "links": LINKS}},
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {JSON: {"schema": _ref("schemas", "exception")}}}


RESPONSES = {
    "NotModified": {"description": "A cópia do cliente está atualizada"},
    "Unauthorized": _error("Autenticação necessária ou credenciais erradas (Basic, Token)"),
    "Forbidden": _error("Sem direito a editar o município do elemento"),
    "Conflict": _error("O pedido choca com o estado do elemento"),
    "PreconditionFailed": _error("O elemento foi alterado por outra pessoa (If-Match ou "
                                 "row_version desatualizados); o corpo traz o estado atual"),
    "PreconditionRequired": _error("Substituir (PUT) exige If-Match ou row_version"),
    "Unprocessable": _error("Valores ou geometria recusados (fora do município, código "
                            "desconhecido, geometria inválida)"),
    "TooLarge": _error("Corpo do pedido demasiado grande"),
    "UnsupportedType": _error("Tipo de conteúdo não suportado (use application/geo+json)"),
    "TooMany": _error("Demasiados pedidos ou tentativas de entrada falhadas"),
    "InvalidParameter": _error("Parâmetro inválido (a mensagem indica qual e porquê)"),
    "NotFound": _error("O recurso não existe"),
    "ServerError": _error("Erro do servidor"),
    "Unavailable": _error("Base de dados indisponível ou pedido demasiado demorado"),
    "TooLong": {"description": "Endereço demasiado longo (mais de 4094 bytes)"},
}


def _param(name: str, schema: dict, description: str, where: str = "query",
           required: bool = False, explode: bool = False) -> dict:
    parameter = {"name": name, "in": where, "required": required or where == "path",
                 "description": description, "schema": schema}
    if where == "query":
        parameter.update(style="form", explode=explode)
    return parameter


def _crs_param(name: str, description: str) -> dict:
    return _param(name, {"type": "string", "enum": crs_uris()}, description)


PARAMETERS = {
    "lang": _param("lang", {"type": "string"},
                   "Língua dos títulos (pt ou en; outras dão a omissão, pt)"),
    "bbox": _param("bbox", _array({"type": "number"}, minItems=4, maxItems=6),
                   "Só elementos que intersetam o retângulo (minx,miny,maxx,maxy no bbox-crs)"),
    "bbox-crs": _crs_param("bbox-crs", "Sistema de coordenadas do bbox (omissão: CRS84)"),
    "crs": _crs_param("crs", "Sistema de coordenadas da resposta (omissão: CRS84)"),
    "filter-crs": _crs_param("filter-crs", "Sistema das geometrias do filtro (omissão: CRS84)"),
    "datetime": _param("datetime", {"type": "string", "minLength": 1},
                       "Instante ou intervalo RFC 3339 (.. para aberto) sobre updated_at"),
    "limit": _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                              "default": DEFAULT_LIMIT},
                    f"Número máximo de elementos (omissão {DEFAULT_LIMIT}, máximo {MAX_LIMIT})"),
    "offset": _param("offset", {"type": "integer", "minimum": 0, "default": 0},
                     "Elementos a saltar (paginação; siga a ligação next)"),
    "skipGeometry": _param("skipGeometry", {"type": "boolean", "default": False},
                           "Omitir as geometrias"),
    "filter": _param("filter", {"type": "string", "minLength": 1},
                     "Filtro CQL2 (texto ou JSON)"),
    "filter-lang": _param("filter-lang", {"type": "string", "enum": ["cql2-text", "cql2-json"],
                                          "default": "cql2-text"}, "Linguagem do filtro"),
    "municipio": _param("municipio", {"type": "string", "pattern": r"^\d{4}(,\d{4})*$"},
                        "Códigos DICO dos municípios, separados por vírgulas"),
    "resulttype": _param("resulttype", {"type": "string", "enum": ["results", "hits"],
                                        "default": "results"},
                         "hits: só o número de elementos (numberMatched)"),
    "tileMatrixSetId": _param("tileMatrixSetId",
                              {"type": "string", "enum": list(TILE_MATRIX_SETS)},
                              "Conjunto de matrizes de teselas", "path"),
    "tileMatrix": _param("tileMatrix", {"type": "string", "pattern": r"^\d{1,2}$"},
                         "Nível (zoom)", "path"),
    "tileRow": _param("tileRow", {"type": "integer", "minimum": 0}, "Linha", "path"),
    "tileCol": _param("tileCol", {"type": "integer", "minimum": 0}, "Coluna", "path"),
}


def _format(values: list[str], default: str = "json") -> dict:
    return _param("f", {"type": "string", "enum": values, "default": default},
                  "Formato da resposta")


def _ok(description: str, content: dict[str, dict]) -> dict:
    return {"description": description,
            "content": {media: {"schema": schema} for media, schema in content.items()}}


def _responses(ok: dict, not_found: bool = True, conditional: bool = False) -> dict:
    responses = {"200": ok, "400": _ref("responses", "InvalidParameter"),
                 "414": _ref("responses", "TooLong"), "500": _ref("responses", "ServerError"),
                 "503": _ref("responses", "Unavailable")}
    if not_found:
        responses["404"] = _ref("responses", "NotFound")
    if conditional:
        responses["304"] = _ref("responses", "NotModified")
    return responses


def _get(summary: str, operation: str, tags: list[str], parameters: list, responses: dict
         ) -> dict:
    return {"get": {"summary": summary, "operationId": operation, "tags": tags,
                    "parameters": parameters, "responses": responses}}


HTML_TEXT = {"type": "string"}
META_FORMAT = _format(["json", "html"])


def _queryable_schema(prop: Property) -> dict:
    schema: dict = {"type": prop.type}
    if prop.format:
        schema = {"type": "string", "minLength": 1}  # an instant or interval, like `datetime`
    if prop.enum:
        schema["enum"] = list(prop.enum)
    return schema


def _items_parameters(collection: Collection) -> list:
    names = ["bbox", "bbox-crs", "crs", "limit", "offset", "skipGeometry", "filter",
             "filter-lang", "filter-crs", "municipio", "resulttype", "lang"]
    if collection.temporal:
        names.append("datetime")
    parameters = [_format(["json", "html", "csv"])] + [copy.deepcopy(PARAMETERS[n])
                                                          for n in names]
    names_enum = {"type": "string", "enum": list(collection.property_names)}
    parameters.append(_param("properties", _array(names_enum),
                             "Propriedades a incluir (separadas por vírgulas)"))
    sort_keys = [f"{sign}{n}" for n in ("id", *collection.property_names) for sign in ("", "-")]
    parameters.append(_param("sortby", _array({"type": "string", "enum": sort_keys}),
                             "Ordenação: propriedades, '-' para descendente"))
    for prop in collection.properties:
        if prop.name != "municipio":
            parameters.append(_param(prop.name, _queryable_schema(prop),
                                     f"Só elementos com {prop.title['pt']} igual ao valor"))
    return parameters


def _collection_paths(collection: Collection) -> dict:
    cid, tags = collection.id, [collection.id]
    base = f"/collections/{cid}"
    geojson = _ref("schemas", "featureCollectionGeoJSON")
    paths = {
        base: _get(f"Descrição de {collection.title['pt']}", f"describe_{cid}", tags,
                   [META_FORMAT, PARAMETERS["lang"]], _responses(_ok(
                       "A coleção", {JSON: _ref("schemas", "collection"), HTML: HTML_TEXT}),
                       conditional=True)),
        f"{base}/queryables": _get("Propriedades filtráveis", f"queryables_{cid}", tags,
                                   [META_FORMAT, PARAMETERS["lang"]], _responses(_ok(
                                       "JSON Schema", {"application/schema+json":
                                                       _ref("schemas", "jsonSchema"),
                                                       HTML: HTML_TEXT}))),
        f"{base}/schema": _get("Esquema dos elementos", f"schema_{cid}", tags,
                               [META_FORMAT, PARAMETERS["lang"]], _responses(_ok(
                                   "JSON Schema", {"application/schema+json":
                                                   _ref("schemas", "jsonSchema"),
                                                   HTML: HTML_TEXT}))),
        f"{base}/items": _get(f"Elementos de {collection.title['pt']}", f"items_{cid}", tags,
                              _items_parameters(collection), _responses(_ok(
                                  "Página de elementos", {GEOJSON: geojson, HTML: HTML_TEXT,
                                                          "text/csv": HTML_TEXT}),
                                  conditional=True)),
        f"{base}/items/{{featureId}}": _get(
            "Um elemento", f"item_{cid}", tags,
            [_param("featureId", {"type": "string"}, "Identificador", "path"),
             _format(["json", "html"]), PARAMETERS["crs"], PARAMETERS["lang"]],
            _responses(_ok("O elemento", {GEOJSON: _ref("schemas", "featureGeoJSON"),
                                          HTML: HTML_TEXT}), conditional=True)),
    }
    if collection.theme is not None:  # themes are edited through the same paths
        paths[f"{base}/items"].update(items_writes(collection.theme, tags))
        feature_id = paths[f"{base}/items/{{featureId}}"]["get"]["parameters"][0]
        paths[f"{base}/items/{{featureId}}"].update(
            item_writes(collection.theme, tags, feature_id))
    if collection.tiles is not None:
        paths.update(_tile_paths(base, cid, tags))
        paths.update(_style_paths(base, cid, tags))
    return paths


def _style_paths(base: str, name: str, tags: list[str]) -> dict:
    """The styles of the vector tiles (MapBox GL style JSON, derived from the registry)."""
    style_id = _param("styleId", {"type": "string", "enum": ["default"]}, "Estilo", "path")
    style_format = _format(["mapbox"], "mapbox")
    return {
        f"{base}/styles": _get("Estilos das teselas vetoriais", f"styles_{name}", tags,
                               [META_FORMAT], _responses(_ok("Lista de estilos", {
                                   JSON: {"type": "object"}}))),
        f"{base}/styles/{{styleId}}": _get(
            "Um estilo (MapBox GL)", f"style_{name}", tags, [style_id, style_format],
            _responses(_ok("Estilo MapBox GL", {MAPBOX_STYLE: {"type": "object"}}))),
    }


def _tile_paths(base: str, name: str, tags: list[str], selection: bool = False) -> dict:
    tile_parameters = [PARAMETERS[p] for p in ("tileMatrixSetId", "tileMatrix", "tileRow",
                                                 "tileCol")] + [_format(["mvt"], "mvt")]
    if selection:
        ids = [c.id for c in get_collections().values() if c.tiles is not None]
        tile_parameters.append(_param("collections", _array({"type": "string", "enum": ids}),
                                      "Camadas a incluir (omissão: todas)"))
    others = [tms for tms in TILE_MATRIX_SETS if tms != "WebMercatorQuad"]
    other_tms = _param("tileMatrixSetId", {"type": "string", "enum": others},
                       "Conjunto de matrizes de teselas", "path")
    return {
        f"{base}/tiles": _get("Conjuntos de teselas vetoriais", f"tilesets_{name}", tags,
                              [META_FORMAT], _responses(_ok("Lista", {
                                  JSON: _ref("schemas", "tileSetList"), HTML: HTML_TEXT}))),
        f"{base}/tiles/WebMercatorQuad": _get(
            "Metadados do conjunto de teselas WebMercatorQuad (ou TileJSON)",
            f"tileset_webmercator_{name}", tags, [_format(["json", "html", "tilejson"])],
            _responses(_ok("Conjunto de teselas ou TileJSON", {
                JSON: {"anyOf": [_ref("schemas", "tileSet"), _ref("schemas", "tileJSON")]},
                HTML: HTML_TEXT}))),
        f"{base}/tiles/{{tileMatrixSetId}}": _get(
            "Metadados do conjunto de teselas", f"tileset_{name}", tags,
            [other_tms, META_FORMAT],
            _responses(_ok("Conjunto de teselas", {JSON: _ref("schemas", "tileSet"),
                                                   HTML: HTML_TEXT}))),
        f"{base}/tiles/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}": _get(
            "Uma tesela vetorial (MVT)", f"tile_{name}", tags, tile_parameters,
            _responses(_ok("Tesela MVT (vazia se não houver elementos)",
                           {MVT: {"type": "string", "format": "binary"}}), conditional=True)),
    }


def _root_paths() -> dict:
    tags = ["serviço"]
    return {
        "/": _get("Página inicial", "landingPage", tags, [META_FORMAT, PARAMETERS["lang"]],
                  _responses(_ok("Página inicial", {JSON: _ref("schemas", "landingPage"),
                                                    HTML: HTML_TEXT}), not_found=False)),
        "/conformance": _get("Classes de conformidade", "conformance", tags, [META_FORMAT],
                             _responses(_ok("Conformidade", {
                                 JSON: _ref("schemas", "confClasses"), HTML: HTML_TEXT}),
                                 not_found=False)),
        "/openapi": _get("Este documento", "openapi", tags, [META_FORMAT], {"200": {
            "description": "OpenAPI 3.0",
            "content": {"application/vnd.oai.openapi+json;version=3.0": {
                "schema": {"type": "object"}}, HTML: {"schema": HTML_TEXT}}}}),
        "/collections": _get("Coleções", "collections", tags, [META_FORMAT, PARAMETERS["lang"]],
                             _responses(_ok("Coleções", {JSON: _ref("schemas", "collections"),
                                                         HTML: HTML_TEXT}),
                                        not_found=False, conditional=True)),
        "/TileMatrixSets": _get("Conjuntos de matrizes de teselas", "tileMatrixSets", tags,
                                [META_FORMAT], _responses(_ok("Lista", {
                                    JSON: _ref("schemas", "tileMatrixSets"), HTML: HTML_TEXT}),
                                    not_found=False)),
        "/TileMatrixSets/{tileMatrixSetId}": _get(
            "Definição de um conjunto de matrizes", "tileMatrixSet", tags,
            [PARAMETERS["tileMatrixSetId"], META_FORMAT],
            _responses(_ok("Definição", {JSON: _ref("schemas", "tileMatrixSet"),
                                         HTML: HTML_TEXT}))),
    }


def build_document(base: str, title: str = "SIG Intermunicipal da Região de Leiria") -> dict:
    """The OpenAPI document for an API served at `base`."""
    paths = _root_paths()
    paths.update(_tile_paths("", "dataset", ["teselas"], selection=True))
    paths.update(_style_paths("", "dataset", ["teselas"]))
    for collection in get_collections().values():
        paths.update(_collection_paths(collection))
    return {
        "openapi": "3.0.3",
        "info": {"title": f"{title} — OGC API", "version": "1.0.0",
                 "description": "OGC API Features (partes 1, 2, 3 e 4) e Tiles das camadas "
                                "harmonizadas dos municípios da CIM Região de Leiria.",
                 "license": {"name": "CC BY 4.0",
                             "url": "https://creativecommons.org/licenses/by/4.0/"},
                 "contact": {"name": "CIM Região de Leiria",
                             "email": "sig@cimregiaoleiria.pt"}},
        "servers": [{"url": base}],
        "tags": [{"name": "serviço"}, {"name": "teselas"}] +
                [{"name": cid, "description": c.title["pt"]}
                 for cid, c in get_collections().items()],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "parameters": PARAMETERS, "responses": RESPONSES,
                       "securitySchemes": SECURITY_SCHEMES},
    }


def openapi_file() -> Path:
    return get_settings().var_dir / "ogcapi" / "openapi.json"


def write_document(base: str, target: Path | None = None) -> Path:
    """Write the document (default var/ogcapi/openapi.json) and return its path."""
    target = target or openapi_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(build_document(base), ensure_ascii=False, indent=1),
                       encoding="utf-8")
    partial.replace(target)
    return target


def openapi_document(config: dict) -> dict:
    """The document handed to pygeoapi, which serves it at /openapi, for one configuration."""
    base = config["server"]["url"]
    document = build_document(base)
    try:
        write_document(base)
    except OSError as exc:  # a read-only var/ must not stop the service
        log.warning("OGC API: could not write %s: %s", openapi_file(), exc)
    return document
