"""Collection state: the version and Last-Modified a collection's ETag is built from.

A collection's ETag changes with every committed insert, update or delete in its table (any
path: web, API, QGIS, import, psql) and after bulk loads; see `sig.ogcapi.tracking`. ETags
and conditional requests themselves are `sig.http`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

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
    if collection.state_sql:  # a view without change tracking
        return CollectionState(*conn.execute(collection.state_sql).fetchone())
    row = conn.execute("SELECT version, features, changed_at FROM ogcapi.state(%s)",
                       (collection.table,)).fetchone()
    return CollectionState(*row)
