"""Cached results that refresh themselves when the data changes.

The data signature is cheap to read (index lookups) and moves on every change that matters:
- the last id of `audit.change_log`: every insert, update and delete made with the triggers on
  (the web application, QGIS logins, imports);
- the last id of each theme table: new rows written with the triggers off (bulk loads, demo).
A snapshot computed at one signature is served until the signature moves, or for at most
MAX_AGE (a safety net for owner-only changes made with the triggers off that add no row);
`sig dados atualizar` recomputes at once. The first request after a change recomputes it
(an advisory lock keeps concurrent workers from repeating the work). The signature is read as
sig_app (sig_reader may not read the audit log).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from sig.opendata.models import Snapshot
from sig.registry import get_registry

MAX_AGE = timedelta(hours=1)


def _signature_sql() -> str:
    tables = [t.table for t in get_registry()]
    # The database's name keeps two databases' files apart in a shared cache folder.
    parts = ["current_database()::text",
             "(SELECT coalesce(max(id), 0) FROM audit.change_log)::text"]
    parts += [f'(SELECT coalesce(max(id), 0) FROM public."{table}")::text' for table in tables]
    return "SELECT " + " || '/' || ".join(parts)


def data_signature() -> str:
    """A short hash that changes whenever theme data changes."""
    with connection.cursor() as cursor:
        cursor.execute(_signature_sql())
        raw = cursor.fetchone()[0]
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _store(key: str, signature: str, compute: Callable[[], Any]) -> Snapshot:
    started = time.perf_counter()
    data = compute()
    snapshot, _ = Snapshot.objects.update_or_create(key=key, defaults={
        "signature": signature, "computed_at": timezone.now(),
        "seconds": round(time.perf_counter() - started, 3), "data": data})
    return snapshot


def _fresh(snapshot: Snapshot | None, signature: str) -> bool:
    return (snapshot is not None and snapshot.signature == signature
            and timezone.now() - snapshot.computed_at < MAX_AGE)


def cached(key: str, compute: Callable[[], Any], force: bool = False) -> Snapshot:
    """The snapshot `key`, recomputed with `compute()` when the data signature has moved."""
    signature = data_signature()
    current = Snapshot.objects.filter(key=key).first()
    if _fresh(current, signature) and not force:
        return current  # type: ignore[return-value]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"opendata:{key}"])
        current = Snapshot.objects.filter(key=key).first()
        if _fresh(current, signature) and not force:
            return current  # type: ignore[return-value]  # another worker just computed it
        return _store(key, signature, compute)
