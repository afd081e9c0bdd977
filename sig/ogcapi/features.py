"""Features of a collection: pages, counts, single items and their GeoJSON documents.

Framework-free: functions take a database connection, a `Collection` and a checked
`ItemsQuery`, and return text the views send as is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import psycopg

from sig.crs import Crs
from sig.ogcapi import query as q
from sig.ogcapi.collections import Collection
from sig.ogcapi.params import ItemsQuery

GEOJSON = "application/geo+json"


@dataclass(frozen=True)
class Page:
    features: list[str]  # GeoJSON Feature texts
    matched: int | None  # numberMatched when known exactly
    has_next: bool


def fetch_page(conn: psycopg.Connection, collection: Collection, query: ItemsQuery) -> Page:
    """One page; numberMatched is exact: from the state table when nothing but the municipality
    filters, from the page itself when it is the last, otherwise left out."""
    counted = not query.filtered and collection.state_sql is None
    statement, params = q.page_statement(collection, query, counted)
    rows = conn.execute(statement, params).fetchall()
    features = [row[1] for row in rows if row[1] is not None]
    has_next = len(features) > query.limit
    features = features[:query.limit]
    matched = rows[0][0] if counted and rows else None
    if matched is None and not has_next and (features or query.offset == 0):
        matched = query.offset + len(features)
    if matched is None and collection.state_sql:  # untracked views: counted here
        matched = fetch_count(conn, collection, query)
    return Page(features, matched, has_next)


def fetch_count(conn: psycopg.Connection, collection: Collection, query: ItemsQuery) -> int:
    statement, params = q.count_statement(collection, query)
    return conn.execute(statement, params).fetchone()[0]


def valid_id(collection: Collection, item_id: str) -> bool:
    if collection.id_type == "integer":
        return item_id.isascii() and item_id.isdigit() and len(item_id) <= 18
    return 0 < len(item_id) <= 20


def fetch_item(conn: psycopg.Connection, collection: Collection, item_id: str,
               crs: Crs) -> tuple[str, int | None] | None:
    """(Feature text, row_version) or None when there is no such feature."""
    if not valid_id(collection, item_id):
        return None
    statement, _ = q.item_statement(collection, crs)
    value: object = int(item_id) if collection.id_type == "integer" else item_id
    row = conn.execute(statement, [value]).fetchone()
    return (row[0], row[1]) if row else None


def page_url(base: str, params: Sequence[tuple[str, str]], **changes: object) -> str:
    kept = [(k, v) for k, v in params if k not in changes]
    kept += [(k, str(v)) for k, v in changes.items() if v is not None]
    return f"{base}?{urlencode(kept)}" if kept else base


def items_links(items_url: str, collection_url: str, params: Sequence[tuple[str, str]],
                query: ItemsQuery, page: Page) -> list[dict]:
    plain = [(k, v) for k, v in params if k != "f"]
    links = [
        {"rel": "self", "type": GEOJSON, "title": "Esta página (GeoJSON)",
         "href": page_url(items_url, plain)},
        {"rel": "alternate", "type": "text/html", "title": "Esta página (HTML)",
         "href": page_url(items_url, plain, f="html")},
        {"rel": "alternate", "type": "text/csv", "title": "Esta página (CSV)",
         "href": page_url(items_url, plain, f="csv")},
        {"rel": "collection", "type": "application/json", "title": "A coleção",
         "href": collection_url},
    ]
    if page.has_next:
        links.append({"rel": "next", "type": GEOJSON, "title": "Página seguinte",
                      "href": page_url(items_url, plain, offset=query.offset + query.limit)})
    if query.offset > 0:
        previous = max(0, query.offset - query.limit)
        links.append({"rel": "prev", "type": GEOJSON, "title": "Página anterior",
                      "href": page_url(items_url, plain, offset=previous)})
    return links


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def collection_document(page: Page, links: list[dict]) -> bytes:
    """The FeatureCollection, assembled around the feature texts PostGIS wrote."""
    head = '{"type":"FeatureCollection","features":['
    tail = {"numberReturned": len(page.features), "timeStamp": timestamp(), "links": links}
    if page.matched is not None:
        tail = {"numberMatched": page.matched, **tail}
    return (head + ",".join(page.features) + "]," +
            json.dumps(tail, ensure_ascii=False)[1:]).encode()


def hits_document(matched: int, links: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [], "numberMatched": matched,
                       "numberReturned": 0, "timeStamp": timestamp(), "links": links},
                      ensure_ascii=False).encode()


def item_document(feature: str, item_url: str, collection_url: str) -> bytes:
    links = [
        {"rel": "self", "type": GEOJSON, "title": "Este elemento (GeoJSON)", "href": item_url},
        {"rel": "alternate", "type": "text/html", "title": "Este elemento (HTML)",
         "href": f"{item_url}?f=html"},
        {"rel": "collection", "type": "application/json", "title": "A coleção",
         "href": collection_url},
    ]
    return (feature[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}").encode()


def copy_csv(conn: psycopg.Connection, collection: Collection, query: ItemsQuery) -> bytes:
    statement, params = q.csv_statement(collection, query)
    chunks = []
    with conn.cursor() as cursor, cursor.copy(statement, params) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    return b"".join(chunks)
