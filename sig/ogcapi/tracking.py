"""Change tracking behind collection ETags, Last-Modified and exact counts.

Statement-level triggers (`ogcapi_track_*`) append to `ogcapi.collection_change` the change in
features per municipality of every statement; the view `ogcapi.collection_state` sums them per
table and municipality (features, version, last change). `ogcapi.state(table)` reads a table's
state, folds its rows together when they pile up, and counts the table again when its triggers
were switched off for a bulk load. See `sql/state.sql`.
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
# The first version (migration 0001), kept as it ran; the current one (0002 and later).
STATE_SQL_0001 = (SQL_DIR / "state_0001.sql").read_text(encoding="utf-8")
STATE_SQL = (SQL_DIR / "state.sql").read_text(encoding="utf-8")

# Tables that are not themes but are served as collections, with their municipality column.
TERRITORY_TABLES = {"municipio": "dico", "freguesia": "municipio"}
THEME_KEY = "municipio"

TRIGGERS = {
    "ogcapi_track_insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows",
    "ogcapi_track_update": "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS old_rows "
                           "NEW TABLE AS new_rows",
    "ogcapi_track_delete": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows",
    "ogcapi_track_truncate": "AFTER TRUNCATE ON {t}",
}


def tracking_sql(table: str, key_column: str = THEME_KEY) -> list[str]:
    """Statements that start tracking `table` (a trusted registry identifier)."""
    t = f'public."{table}"'
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {t}" for name in TRIGGERS]
    statements += [
        f"CREATE TRIGGER {name} {timing.format(t=t)} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION ogcapi.track_change('{key_column}')"
        for name, timing in TRIGGERS.items()
    ]
    statements.append(
        "INSERT INTO ogcapi.collection_sync (table_name, key_column) "
        f"VALUES ('{table}', '{key_column}') ON CONFLICT (table_name) "
        "DO UPDATE SET key_column = excluded.key_column, trigger_xmin = NULL")
    statements.append(f"SELECT ogcapi.recount('{table}')")
    return statements


def untracking_sql(table: str) -> list[str]:
    t = f'public."{table}"'
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {t}" for name in TRIGGERS]
    statements.append(f"DELETE FROM ogcapi.collection_sync WHERE table_name = '{table}'")
    statements.append(f"DELETE FROM ogcapi.collection_state WHERE table_name = '{table}'")
    return statements
