"""OGC API Features on the real database: paging, counts, bbox, CRS, properties, sorting,
filters (Parts 1, 2 and 3), formats. Results are compared with SQL run as sig_reader."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from tests.ogcapi.conftest import get_json

ITEMS = "/ogcapi/collections/iluminacao_publica/items"
LEIRIA_BBOX = (-8.84, 39.70, -8.70, 39.80)


def sql_count(reader, where: str = "TRUE", params: tuple = ()) -> int:
    return reader.execute(f"SELECT count(*) FROM iluminacao_publica WHERE {where}",
                          params).fetchone()[0]


def follow(api, url: str) -> dict:
    parts = urlsplit(url)
    return get_json(api, f"{parts.path}?{parts.query}")


def test_geojson_page_with_exact_counts_and_links(api, reader):
    response = api.get(ITEMS, {"limit": "7"})
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    document = json.loads(response.content)
    assert document["type"] == "FeatureCollection"
    assert document["numberReturned"] == len(document["features"]) == 7
    assert document["numberMatched"] == sql_count(reader)
    rels = {link["rel"]: link for link in document["links"]}
    assert {"self", "alternate", "next", "collection"} <= set(rels) and "prev" not in rels
    assert all("type" in link for link in document["links"])
    feature = document["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert set(feature["properties"]) >= {"municipio", "estado", "led", "updated_at"}


def test_paging_to_the_end_returns_every_feature_once(api, reader):
    expected = sql_count(reader, "municipio = '1009'")
    url, seen, pages = f"{ITEMS}?municipio=1009&limit=70", [], 0
    while url:
        document = follow(api, url)
        assert document["numberMatched"] == expected
        seen += [f["id"] for f in document["features"]]
        url = next((link["href"] for link in document["links"] if link["rel"] == "next"), None)
        pages += 1
    assert len(seen) == len(set(seen)) == expected
    assert pages == -(-expected // 70)
    last = follow(api, f"{ITEMS}?municipio=1009&limit=70&offset={70 * (pages - 1)}")
    assert any(link["rel"] == "prev" for link in last["links"])


def test_offset_past_the_end(api, reader):
    document = get_json(api, ITEMS, offset=str(10 ** 7))
    assert document["features"] == [] and document["numberMatched"] == sql_count(reader)


def test_bbox_is_exact_in_every_crs(api, reader):
    minx, miny, maxx, maxy = LEIRIA_BBOX
    expected = sql_count(reader, "ST_Intersects(geom, ST_Transform(ST_Segmentize("
                         "ST_MakeEnvelope(%s, %s, %s, %s, 4326), 0.001), 3763))",
                         LEIRIA_BBOX)
    assert expected > 0
    as_crs84 = get_json(api, ITEMS, bbox=",".join(map(str, LEIRIA_BBOX)), limit="10000")
    as_4326 = get_json(api, ITEMS, bbox=f"{miny},{minx},{maxy},{maxx}", limit="10000",
                       **{"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})
    assert as_crs84["numberReturned"] == as_4326["numberReturned"] == expected
    assert as_crs84["numberMatched"] == expected  # last page: exact without a count query
    x0, y0, x1, y1 = reader.execute(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Extent(geom) b "
        "FROM iluminacao_publica WHERE municipio = '1009') e").fetchone()
    in_3763 = get_json(api, ITEMS, bbox=f"{x0},{y0},{x1},{y1}", limit="10000",
                       **{"bbox-crs": "EPSG:3763"})
    assert in_3763["numberReturned"] == sql_count(
        reader, "geom && ST_MakeEnvelope(%s, %s, %s, %s, 3763)", (x0, y0, x1, y1))


@pytest.mark.parametrize("crs, srid, swap", [
    ("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, True),
    ("http://www.opengis.net/def/crs/EPSG/0/3763", 3763, False),
    ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857, False)])
def test_output_crs(api, reader, crs, srid, swap):
    response = api.get(ITEMS, {"limit": "1", "crs": crs, "sortby": "id"})
    assert response["Content-Crs"] == f"<{crs}>"
    feature = json.loads(response.content)["features"][0]
    x, y = reader.execute("SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(geom, %s) g FROM "
                          "iluminacao_publica WHERE id = %s) t", (srid, feature["id"])).fetchone()
    got = feature["geometry"]["coordinates"]
    want = [y, x] if swap else [x, y]
    assert got == pytest.approx(want, abs=1e-6 if srid == 4326 else 0.01)


def test_single_item_with_etag_and_crs(api, reader):
    item_id, version = reader.execute(
        "SELECT id, row_version FROM iluminacao_publica ORDER BY id LIMIT 1").fetchone()
    response = api.get(f"{ITEMS}/{item_id}", {"crs": "EPSG:3763"})
    assert response.status_code == 200 and response["ETag"] == f'"{item_id}-{version}"'
    feature = json.loads(response.content)
    assert feature["id"] == item_id and feature["type"] == "Feature"
    assert any(link["rel"] == "collection" for link in feature["links"])
    assert api.get(f"{ITEMS}/{item_id}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_properties_sortby_and_skip_geometry(api, reader):
    document = get_json(api, ITEMS, properties="estado,potencia_w", sortby="-potencia_w,id",
                        skipGeometry="true", limit="50")
    assert all(set(f["properties"]) == {"estado", "potencia_w"} for f in document["features"])
    assert all(f["geometry"] is None for f in document["features"])
    powers = [f["properties"]["potencia_w"] for f in document["features"]]
    top = [row[0] for row in reader.execute("SELECT potencia_w FROM iluminacao_publica ORDER BY "
                                            "potencia_w DESC NULLS FIRST, id LIMIT 50")]
    assert powers == top


def test_queryables_as_parameters_and_municipio(api, reader):
    document = get_json(api, ITEMS, estado="avariado", municipio="1009,1010", limit="10000")
    assert document["numberReturned"] == sql_count(
        reader, "estado = 'avariado' AND municipio IN ('1009', '1010')")
    assert {f["properties"]["municipio"] for f in document["features"]} <= {"1009", "1010"}


def test_datetime_interval(api, reader):
    newest = reader.execute("SELECT max(updated_at) FROM iluminacao_publica").fetchone()[0]
    start = newest.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document = get_json(api, ITEMS, datetime=f"{start}/..", limit="10000")
    assert document["numberReturned"] == sql_count(reader, "updated_at >= %s", (newest,)) > 0
    assert get_json(api, ITEMS, datetime="../1999-12-31")["numberReturned"] == 0


@pytest.mark.parametrize("lang, expression", [
    ("cql2-text", "estado = 'avariado' AND potencia_w >= 100"),
    ("cql2-json", json.dumps({"op": "and", "args": [
        {"op": "=", "args": [{"property": "estado"}, "avariado"]},
        {"op": ">=", "args": [{"property": "potencia_w"}, 100]}]})),
])
def test_cql2_text_and_json(api, reader, lang, expression):
    document = get_json(api, ITEMS, filter=expression, **{"filter-lang": lang, "limit": "10000"})
    assert document["numberReturned"] == sql_count(
        reader, "estado = 'avariado' AND potencia_w >= 100") > 0


def test_cql2_spatial_with_filter_crs(api, reader):
    x0, y0, x1, y1 = -8.84, 39.70, -8.70, 39.80
    polygon = f"POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))"
    expected = sql_count(reader, "ST_Intersects(geom, ST_Transform(ST_Segmentize("
                         "ST_MakeEnvelope(%s, %s, %s, %s, 4326), 0.001), 3763))",
                         (x0, y0, x1, y1))
    crs84 = get_json(api, ITEMS, filter=f"S_INTERSECTS(geometry, {polygon})", limit="10000")
    swapped = f"POLYGON(({y0} {x0}, {y0} {x1}, {y1} {x1}, {y1} {x0}, {y0} {x0}))"
    lat_lon = get_json(api, ITEMS, filter=f"S_INTERSECTS(geometry, {swapped})", limit="10000",
                       **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})
    assert crs84["numberReturned"] == lat_lon["numberReturned"] == expected > 0
    outside = get_json(api, ITEMS, filter=f"S_DISJOINT(geometry, {polygon})", limit="1",
                       resulttype="hits")
    assert outside["numberMatched"] == sql_count(reader) - expected


def test_cql2_temporal(api, reader):
    document = get_json(api, ITEMS, resulttype="hits", filter="T_AFTER(updated_at, "
                        "TIMESTAMP('2000-01-01T00:00:00Z')) AND T_BEFORE(data_instalacao, "
                        "DATE('2015-01-01'))")
    assert document["numberMatched"] == sql_count(
        reader, "updated_at > '2000-01-01' AND data_instalacao < '2015-01-01'")
    assert document["features"] == []


def test_numbermatched_left_out_when_it_would_need_a_count(api):
    document = get_json(api, ITEMS, estado="funcional", limit="5")
    assert "numberMatched" not in document
    assert any(link["rel"] == "next" for link in document["links"])


def test_csv(api, reader):
    response = api.get(ITEMS, {"f": "csv", "limit": "3", "crs": "EPSG:3763", "sortby": "id"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("id,municipio,freguesia") and lines[0].endswith(",wkt")
    assert len(lines) == 4 and "POINT(" in lines[1]


def test_html_pages_in_portuguese_without_external_assets(api):
    for url in ("/ogcapi/?f=html", "/ogcapi/collections?f=html",
                "/ogcapi/collections/iluminacao_publica?f=html", f"{ITEMS}?f=html&limit=5",
                "/ogcapi/collections/iluminacao_publica/queryables?f=html",
                "/ogcapi/TileMatrixSets/PTTM06?f=html", "/ogcapi/conformance?f=html"):
        response = api.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="pt-PT">' in html and "<script" not in html, url
        assert "unpkg" not in html and "cdn" not in html.lower(), url
    page = api.get(f"{ITEMS}?f=html&limit=5").content.decode()
    assert "Iluminação pública" in page and "Estado" in page
    for kind in ("queryables", "schema"):  # both list the properties in a table
        page = api.get(f"/ogcapi/collections/iluminacao_publica/{kind}?f=html").content.decode()
        row = re.search(r"<tr><td><code>estado</code></td><td>string</td>.*?</tr>", page, re.S)
        assert row, kind
        assert ("funcional" in row.group(0)) == (kind == "queryables"), kind  # the code list


def test_collections_describe_extents_from_the_data(api, reader):
    document = get_json(api, "/ogcapi/collections/iluminacao_publica")
    bbox = document["extent"]["spatial"]["bbox"][0]
    x0, y0, x1, y1 = reader.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Transform("
        "ST_SetSRID(ST_Extent(geom)::geometry, 3763), 4326) e FROM iluminacao_publica) t"
    ).fetchone()
    assert bbox[0] <= x0 and bbox[1] <= y0 and bbox[2] >= x1 and bbox[3] >= y1
    assert bbox[2] - bbox[0] < (x1 - x0) + 0.01
    interval = document["extent"]["temporal"]["interval"][0]
    assert interval[0] <= interval[1]
    assert document["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/3763"
    assert len(document["crs"]) == 4
    rels = {link["rel"] for link in document["links"]}
    assert {"items", "describedby", "related",
            "http://www.opengis.net/def/rel/ogc/1.0/queryables"} <= rels
    listing = get_json(api, "/ogcapi/collections")
    ids = {c["id"] for c in listing["collections"]}
    assert {"municipios", "freguesias", "iluminacao_publica", "rede_viaria"} <= ids


def test_queryables_and_conformance(api):
    queryables = get_json(api, "/ogcapi/collections/equipamentos/queryables")
    assert "saude" in queryables["properties"]["tipo"]["enum"]
    classes = set(get_json(api, "/ogcapi/conformance")["conformsTo"])
    for name in ("ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter",
                 "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json",
                 "ogcapi-features-2/1.0/conf/crs", "ogcapi-tiles-1/1.0/conf/mvt"):
        assert f"http://www.opengis.net/spec/{name}" in classes


def _links(node) -> list[dict]:
    if isinstance(node, dict):
        own = node.get("links", []) if isinstance(node.get("links"), list) else []
        return own + [link for key, value in node.items() if key != "links"
                      for link in _links(value)]
    if isinstance(node, list):
        return [link for value in node for link in _links(value)]
    return []


def test_every_link_the_api_gives_resolves(api):
    checked = set()
    for start in ("/ogcapi/", "/ogcapi/collections", "/ogcapi/collections/rede_viaria",
                  "/ogcapi/collections/rede_viaria/items?limit=2",
                  "/ogcapi/collections/rede_viaria/tiles", "/ogcapi/tiles/WebMercatorQuad"):
        for link in _links(json.loads(api.get(start).content)):
            parts = urlsplit(link["href"])
            if link.get("templated") or not parts.path.startswith("/ogcapi"):
                continue
            target = f"{parts.path}?{parts.query}" if parts.query else parts.path
            if target in checked:
                continue
            checked.add(target)
            assert api.get(target).status_code == 200, (start, link)
    assert len(checked) > 40
