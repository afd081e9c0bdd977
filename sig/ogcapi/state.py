"""Collection state: ETag and Last-Modified of a collection, and item ETags.

A collection's ETag changes with every committed insert, update or delete in its table (any
path: web, API, QGIS, import, psql) and after bulk loads; see `sig.ogcapi.tracking`.

Item ETags are strong: `"<id>-<row_version>"`. `row_version` is bumped by the database on
every update, so an editing client can send the ETag back in If-Match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

import psycopg

from sig.ogcapi.collections import Collection


@dataclass(frozen=True)
class CollectionState:
    version: int
    features: int
    changed_at: datetime

    @property
    def tag(self) -> str:
        return f"{self.version}"

    @property
    def last_modified(self) -> str:
        return format_datetime(self.changed_at.replace(microsecond=0), usegmt=True)


def read_state(conn: psycopg.Connection, collection: Collection) -> CollectionState:
    row = conn.execute("SELECT version, features, changed_at FROM ogcapi.state(%s)",
                       (collection.table,)).fetchone()
    return CollectionState(*row)


def item_etag(item_id: object, row_version: int) -> str:
    """The strong ETag of one feature (for If-Match on edits)."""
    return f'"{item_id}-{row_version}"'


ITEM_ETAG_RE = re.compile(r'^(?:W/)?"(?P<id>[^"]+)-(?P<version>\d+)"$')


def parse_item_etag(value: str) -> tuple[str, int] | None:
    """(id, row_version) of an item ETag, or None if it is not one."""
    match = ITEM_ETAG_RE.match(value.strip())
    if not match:
        return None
    return match.group("id"), int(match.group("version"))


def weak_etag(*parts: object) -> str:
    return 'W/"' + "-".join(str(part) for part in parts) + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match uses weak comparison (RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def not_modified_since(if_modified_since: str | None, changed_at: datetime) -> bool:
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return changed_at.replace(microsecond=0) <= since
