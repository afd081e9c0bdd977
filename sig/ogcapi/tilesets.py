"""OGC API Tiles: tile responses, tileset metadata, TileJSON and tile matrix sets.

Per collection (`/collections/{id}/tiles/...`) and for the multi-layer tileset of every
theme (`/tiles/...`). Every link carries its media type (GDAL picks links by type).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from sig.conf import get_settings
from sig.http import (
    bad_request,
    not_found,
    not_modified,
    query_lists,
    read_view,
    respond,
    validators,
    weak_etag,
)
from sig.ogcapi import db, html
from sig.ogcapi.collections import Collection, get_collections
from sig.ogcapi.extents import collection_extent
from sig.ogcapi.mount import base_url
from sig.ogcapi.params import negotiate, single
from sig.ogcapi.state import read_state
from sig.ogcapi.styles import style_link
from sig.ogcapi.tiles import (
    TILE_MATRIX_SETS,
    WEB_MERCATOR_QUAD,
    TileMatrixSet,
    get_tms,
    layer_statement,
    multi_layer_statement,
    parse_tile,
    tile_params,
    tile_properties,
    tms_document,
    tms_levels,
    within_limits,
)

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
REL = "http://www.opengis.net/def/rel/ogc/1.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
WORLD = [-180.0, -90.0, 180.0, 90.0]
DATASET_TITLE = "SIG Intermunicipal da Região de Leiria — todos os temas"
GEOMETRY_DIMENSION = {"point": 0, "linestring": 1, "polygon": 2}
TILE_FORMATS = {"mvt", "pbf", MVT}


def _check_tile_format(request: HttpRequest) -> None:
    fmt = request.GET.get("f")
    if fmt is not None and fmt.lower() not in TILE_FORMATS:
        raise bad_request(f"f: formato de tesela não suportado: {fmt!r} (suportado: mvt)")


def _tile(request: HttpRequest, conn, statement, params: dict | None,
          etag: str) -> HttpResponse:
    cached = not_modified(request, etag, None)
    if cached:
        return cached
    data = b""
    if params is not None:  # None: outside the region, an empty tile
        data = conn.execute(statement, params).fetchone()[0]
    return respond(request, bytes(data or b""), MVT, validators(etag, None))


def tiled_collection(collection_id: str) -> Collection:
    collection = get_collections().get(collection_id)
    if collection is None:
        raise not_found(f"coleção desconhecida: {collection_id!r}")
    if collection.tiles is None:
        raise not_found(f"a coleção {collection_id} não tem teselas vetoriais")
    return collection


def collection_tile_response(request: HttpRequest, collection: Collection, tms_id: str,
                             level: str, row: str, col: str) -> HttpResponse:
    _check_tile_format(request)
    collection = tiled_collection(collection.id)
    tms = get_tms(tms_id)
    z, y, x = parse_tile(tms, level, row, col)
    if get_settings().ogcapi_tile_limits and not within_limits(collection.tiles, tms, z):
        raise not_found(f"nível {z} fora dos limites de zoom da coleção {collection.id}")
    params = tile_params(tms, z, y, x, collection.tiles.simplify_px)
    with db.connection() as conn, db.query_errors():
        etag = weak_etag(read_state(conn, collection).version, tms.id, z, y, x)
        return _tile(request, conn, layer_statement(collection, tms), params, etag)


def dataset_layers(request: HttpRequest, tms: TileMatrixSet, level: int) -> list[Collection]:
    """Collections of the multi-layer tile at `level` (optionally chosen by `collections`)."""
    available = [c for c in get_collections().values() if c.tiles is not None]
    wanted = request.GET.get("collections")
    if wanted:
        names = [name.strip() for name in wanted.split(",") if name.strip()]
        unknown = sorted(set(names) - {c.id for c in available})
        if unknown:
            raise bad_request(f"collections: coleções desconhecidas: {', '.join(unknown)}")
        available = [c for c in available if c.id in names]
    return [c for c in available if within_limits(c.tiles, tms, level)]


def dataset_tile_response(request: HttpRequest, tms_id: str, level: str, row: str,
                          col: str) -> HttpResponse:
    _check_tile_format(request)
    tms = get_tms(tms_id)
    z, y, x = parse_tile(tms, level, row, col)
    layers = dataset_layers(request, tms, z)
    if not layers:
        return respond(request, b"", MVT, {"Cache-Control": "no-cache"})
    params = tile_params(tms, z, y, x)
    for index, collection in enumerate(layers):
        simplify = collection.tiles.simplify_px if collection.tiles else 0.0
        layer = tile_params(tms, z, y, x, simplify)
        if params is not None and layer is not None:
            params[f"tol{index}"] = layer["tol"]
    with db.connection() as conn, db.query_errors():
        version = conn.execute(
            "SELECT coalesce(sum(s.version), 0) FROM unnest(%s::text[]) AS t(name), "
            "LATERAL ogcapi.state(t.name) AS s", ([c.table for c in layers],)).fetchone()[0]
        etag = weak_etag(version, tms.id, z, y, x, ".".join(c.id for c in layers))
        return _tile(request, conn, multi_layer_statement(layers, tms), params, etag)


# ---- metadata ----------------------------------------------------------------------------------

def _link(rel: str, href: str, media: str, title: str, templated: bool = False) -> dict:
    link = {"rel": rel, "href": href, "type": media, "title": title}
    if templated:
        link["templated"] = True
    return link


def _layer(collection: Collection, tms: TileMatrixSet) -> dict:
    levels = tms_levels(collection.tiles, tms) if collection.tiles else []
    return {
        "id": collection.id, "title": collection.title["pt"], "dataType": "vector",
        "geometryDimension": GEOMETRY_DIMENSION[collection.geometry_family],
        "minTileMatrix": str(levels[0]) if levels else None,
        "maxTileMatrix": str(levels[-1]) if levels else None,
        "propertiesSchema": {"type": "object", "properties": {
            p.name: {"type": p.type, "title": p.title["pt"]} for p in collection.properties
            if p.name in tile_properties(collection)}},
    }


def _tileset_links(root: str, path: str, tms: TileMatrixSet, title: str) -> list[dict]:
    """Metadata, tiling scheme, tiles and style of one tileset (`path` ends in /tiles)."""
    return [
        _link("self", f"{root}{path}/{tms.id}", JSON, title),
        _link(f"{REL}/tiling-scheme", f"{root}/TileMatrixSets/{tms.id}", JSON,
              f"Definição do conjunto de matrizes {tms.id}"),
        _link("item", f"{root}{path}/{tms.id}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", MVT,
              "Teselas vetoriais (MVT)", templated=True),
        style_link(f"{root}{path.removesuffix('/tiles')}/styles/default"),
    ]


def _limits(tms: TileMatrixSet, levels: list[int], bbox: list[float] | None) -> list[dict]:
    from sig.ogcapi.tiles import tile_range

    limits = []
    for level in levels:
        rows, cols = tile_range(tms, level, bbox)
        limits.append({"tileMatrix": str(level), "minTileRow": rows[0], "maxTileRow": rows[1],
                       "minTileCol": cols[0], "maxTileCol": cols[1]})
    return limits


def tileset_document(root: str, path: str, title: str, tms: TileMatrixSet,
                     layers: list[Collection], bbox: list[float] | None) -> dict:
    levels = sorted({level for c in layers if c.tiles for level in tms_levels(c.tiles, tms)})
    document = {
        "title": title, "dataType": "vector", "crs": tms.crs, "tileMatrixSetURI": tms.uri,
        "tileMatrixSetLimits": _limits(tms, levels, bbox),
        "layers": [_layer(c, tms) for c in layers],
        "links": _tileset_links(root, path, tms, "Metadados deste conjunto de teselas"),
    }
    if bbox:
        document["boundingBox"] = {"lowerLeft": bbox[:2], "upperRight": bbox[2:], "crs": CRS84}
    if tms.id == WEB_MERCATOR_QUAD.id:
        document["links"].append(_link("describedby", f"{root}{path}/{tms.id}?f=tilejson",
                                       JSON, "TileJSON"))
    return document


def tilejson_document(root: str, path: str, title: str, layers: list[Collection],
                      bbox: list[float] | None) -> dict:
    tms = WEB_MERCATOR_QUAD
    levels = sorted({level for c in layers if c.tiles for level in tms_levels(c.tiles, tms)})
    return {
        "tilejson": "3.0.0", "name": title, "scheme": "xyz",
        "tiles": [f"{root}{path}/{tms.id}/{{z}}/{{y}}/{{x}}"],
        "minzoom": levels[0] if levels else 0, "maxzoom": levels[-1] if levels else 0,
        "bounds": bbox or [-180, -85.0511, 180, 85.0511],
        "attribution": "CIM Região de Leiria e municípios; limites: DGT — CAOP",
        "vector_layers": [{"id": c.id, "description": c.title["pt"],
                           "minzoom": min(tms_levels(c.tiles, tms) or [0]),
                           "maxzoom": max(tms_levels(c.tiles, tms) or [0]),
                           "fields": {p.name: p.type for p in c.properties
                                      if p.name in tile_properties(c)}}
                          for c in layers if c.tiles],
    }


def tilesets_document(root: str, path: str, title: str) -> dict:
    return {
        "links": [_link("self", f"{root}{path}", JSON, "Esta lista de conjuntos de teselas")],
        "tilesets": [{
            "title": f"{title} — {tms.id}", "dataType": "vector", "crs": tms.crs,
            "tileMatrixSetURI": tms.uri,
            "links": _tileset_links(root, path, tms, f"Metadados ({tms.id})"),
        } for tms in TILE_MATRIX_SETS.values()],
    }


def _metadata_format(request: HttpRequest, allowed: tuple[str, ...]) -> str:
    fmt = single(query_lists(request), "f")
    if fmt is not None:
        if fmt.lower() not in allowed:
            raise bad_request(f"f: formato não suportado: {fmt!r} (suportados: "
                              f"{', '.join(allowed)})")
        return fmt.lower()
    return negotiate(request.headers.get("Accept", ""),
                     (("application/json", "json"), ("text/html", "html")), "json")


def _json(request: HttpRequest, document: dict, template: str) -> HttpResponse:
    fmt = _metadata_format(request, ("json", "html", "tilejson"))
    if fmt == "html":
        return respond(request, html.render(request, template, document),
                       "text/html; charset=utf-8")
    return respond(request, html.to_json(document), JSON)


def collection_bbox(collection: Collection) -> list[float] | None:
    with db.connection() as conn, db.query_errors():
        state = read_state(conn, collection)
        return collection_extent(conn, collection, state).bbox


@read_view
def collection_tilesets(request: HttpRequest, collection_id: str) -> HttpResponse:
    collection = tiled_collection(collection_id)
    path = f"/collections/{collection.id}/tiles"
    document = tilesets_document(base_url(request), path, collection.title["pt"])
    return _json(request, document, "tiles/tilesets.html")


@read_view
def collection_tileset(request: HttpRequest, collection_id: str, tms_id: str) -> HttpResponse:
    collection = tiled_collection(collection_id)
    tms = get_tms(tms_id)
    return _tileset(request, tms, f"/collections/{collection.id}/tiles",
                    collection.title["pt"], [collection], collection_bbox(collection))


def _tileset(request: HttpRequest, tms: TileMatrixSet, path: str, title: str,
             layers: list[Collection], bbox: list[float] | None) -> HttpResponse:
    """A tileset's metadata, as JSON (or HTML) or, for WebMercatorQuad, as TileJSON."""
    root = base_url(request)
    if _metadata_format(request, ("json", "html", "tilejson")) == "tilejson":
        _require_web_mercator(tms)
        document = tilejson_document(root, path, title, layers, bbox)
        return respond(request, html.to_json(document), JSON)
    document = tileset_document(root, path, title, tms, layers, bbox)
    return _json(request, document, "tiles/tileset.html")


def _require_web_mercator(tms: TileMatrixSet) -> None:
    if tms.id != WEB_MERCATOR_QUAD.id:
        raise bad_request("TileJSON só existe para WebMercatorQuad")


def _region_bbox() -> list[float] | None:
    municipios = get_collections().get("municipios")
    return collection_bbox(municipios) if municipios else None


@read_view
def dataset_tilesets(request: HttpRequest) -> HttpResponse:
    """The multi-layer tilesets. GDAL opens tilesets only from a document shaped like a
    collection (an extent and a tilesets link), so this list is also one:
    `OGCAPI:https://HOST/ogcapi/tiles` opens the tiles of every theme."""
    root = base_url(request)
    document = tilesets_document(root, "/tiles", "Todos os temas")
    document["title"] = DATASET_TITLE
    document["extent"] = {"spatial": {"bbox": [_region_bbox() or WORLD], "crs": CRS84}}
    document["links"].append(_link(f"{REL}/tilesets-vector", f"{root}/tiles", JSON,
                                   "Teselas vetoriais de todos os temas"))
    return _json(request, document, "tiles/tilesets.html")


@read_view
def dataset_tileset(request: HttpRequest, tms_id: str) -> HttpResponse:
    tms = get_tms(tms_id)
    layers = [c for c in get_collections().values() if c.tiles is not None]
    return _tileset(request, tms, "/tiles", DATASET_TITLE, layers, _region_bbox())


@read_view
def tile_matrix_sets(request: HttpRequest) -> HttpResponse:
    root = base_url(request)
    document = {
        "tileMatrixSets": [{
            "id": tms.id, "title": tms.title, "uri": tms.uri, "crs": tms.crs,
            "links": [_link("self", f"{root}/TileMatrixSets/{tms.id}", JSON, tms.title)],
        } for tms in TILE_MATRIX_SETS.values()],
        "links": [_link("self", f"{root}/TileMatrixSets", JSON, "Conjuntos de matrizes")],
    }
    return _json(request, document, "tiles/tilematrixsets.html")


@read_view
def tile_matrix_set(request: HttpRequest, tms_id: str) -> HttpResponse:
    return _json(request, tms_document(get_tms(tms_id)), "tiles/tilematrixset.html")
