"""SQL that puts one theme table under the shared rules (RLS, triggers, grants)."""

from __future__ import annotations

from pathlib import Path

RULES_SQL = (Path(__file__).parent / "sql" / "rules.sql").read_text(encoding="utf-8")
TILES_SQL = (Path(__file__).parent / "sql" / "tiles.sql").read_text(encoding="utf-8")

# Statement-level triggers recording the extents whose map tiles a change makes stale.
TILE_TRIGGERS = {
    "t95_tiles_insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows",
    "t95_tiles_update": "AFTER UPDATE ON {t} "
                        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "t95_tiles_delete": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows",
    "t95_tiles_truncate": "AFTER TRUNCATE ON {t}",
}

# Triggers every theme table must have, in firing order (same timing fires alphabetically).
THEME_TRIGGERS = (
    "t05_guard", "t10_geom", "t20_version_insert", "t20_version_update",
    "t90_audit", "t90_audit_update", *TILE_TRIGGERS,
)

EDITABLE = "municipio = ANY ((SELECT acl.editable_municipios())::char(4)[])"


def theme_security_sql(table: str) -> list[str]:
    """Statements enabling the rules on `table` (a trusted registry identifier)."""
    t = f'public."{table}"'
    return [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_select ON {t} FOR SELECT USING (true)",
        f"CREATE POLICY {table}_insert ON {t} FOR INSERT WITH CHECK ({EDITABLE})",
        # USING (true): the guard trigger raises a clear error instead of a silent no-op.
        f"CREATE POLICY {table}_update ON {t} FOR UPDATE USING (true) WITH CHECK ({EDITABLE})",
        f"CREATE POLICY {table}_delete ON {t} FOR DELETE USING (true)",
        f"CREATE TRIGGER t05_guard BEFORE INSERT OR UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION acl.guard()",
        f"CREATE TRIGGER t10_geom BEFORE INSERT OR UPDATE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION acl.check_geometry()",
        f"CREATE TRIGGER t20_version_insert BEFORE INSERT ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION acl.stamp_insert()",
        f"CREATE TRIGGER t20_version_update BEFORE UPDATE ON {t} "
        "FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION acl.stamp_update()",
        f"CREATE TRIGGER t90_audit AFTER INSERT OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION audit.log_change()",
        f"CREATE TRIGGER t90_audit_update AFTER UPDATE ON {t} "
        "FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION audit.log_change()",
        f"REVOKE ALL ON {t} FROM PUBLIC",
        f"GRANT SELECT ON {t} TO sig_reader",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO sig_app, sig_editor",
        tile_triggers_sql(table),
    ]


def tile_triggers_sql(table: str) -> str:
    """One statement (re)creating the tile-freshness triggers on `table`.

    It does nothing while `maps.record_dirty()` does not exist yet: the migration that
    creates the function attaches the triggers to the theme tables that exist by then.
    """
    t = f'public."{table}"'
    creates = " ".join(
        f"DROP TRIGGER IF EXISTS {name} ON {t}; CREATE TRIGGER {name} {timing.format(t=t)} "
        "FOR EACH STATEMENT EXECUTE FUNCTION maps.record_dirty();"
        for name, timing in TILE_TRIGGERS.items())
    return ("DO $tiles$ BEGIN IF to_regprocedure('maps.record_dirty()') IS NOT NULL THEN "
            f"{creates} END IF; END $tiles$")


def theme_security_reverse_sql(table: str) -> list[str]:
    t = f'public."{table}"'
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {t}" for name in THEME_TRIGGERS]
    statements += [f"DROP POLICY IF EXISTS {table}_{op} ON {t}"
                   for op in ("select", "insert", "update", "delete")]
    statements += [f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY",
                   f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"]
    return statements
