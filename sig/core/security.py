"""SQL that puts one theme table under the shared rules (RLS, triggers, grants)."""

from __future__ import annotations

from pathlib import Path

from sig.db.audit import AUDIT_OWNER_SQL

SQL_DIR = Path(__file__).parent / "sql"
RULES_SQL = (SQL_DIR / "rules.sql").read_text(encoding="utf-8").replace(
    "-- include: audit_owner.sql\n", AUDIT_OWNER_SQL)
TILES_SQL = (SQL_DIR / "tiles.sql").read_text(encoding="utf-8")
REFERENCES_SQL = (SQL_DIR / "references.sql").read_text(encoding="utf-8")

# Statement-level triggers recording the extents whose map tiles a change makes stale.
# Inserts and deletes name their transition table alike (maps.record_dirty reads both with
# one static statement).
TILE_TRIGGERS = {
    "t95_tiles_insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS changed_rows",
    "t95_tiles_update": "AFTER UPDATE ON {t} "
                        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "t95_tiles_delete": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS changed_rows",
    "t95_tiles_truncate": "AFTER TRUNCATE ON {t}",
}

# Roles that write theme features (each through the rules).
WRITERS = "sig_app, sig_importer, sig_editor"
# The boundaries the geometry rule checks against: read by every writer, written only by the
# owner (CAOP loads).
TERRITORY_RIGHTS_SQL = (
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.municipio, public.freguesia FROM sig_app; "
    "GRANT SELECT ON public.municipio, public.freguesia TO sig_app, sig_importer")

EDITABLE = "municipio = ANY ((SELECT acl.editable_municipios())::char(4)[])"
# Row triggers call acl.guard() only for rows outside the municipalities the user may edit.
OUTSIDE = "NOT ({row}.municipio::char(4) = ANY (acl.editable_municipios()))"

# Row and statement triggers every theme table has, in firing order (same timing fires
# alphabetically): guard, geometry, row version, audit. Inserts, updates and deletes are
# audited set-based, by statement triggers reading the transition tables.
RULE_TRIGGERS = {
    "t05_guard_delete": "BEFORE DELETE ON {t} FOR EACH ROW "
                        f"WHEN ({OUTSIDE.format(row='OLD')}) EXECUTE FUNCTION acl.guard()",
    "t05_guard_insert": "BEFORE INSERT ON {t} FOR EACH ROW "
                        f"WHEN ({OUTSIDE.format(row='NEW')}) EXECUTE FUNCTION acl.guard()",
    "t05_guard_update": "BEFORE UPDATE ON {t} FOR EACH ROW "
                        f"WHEN ({OUTSIDE.format(row='OLD')} OR {OUTSIDE.format(row='NEW')}) "
                        "EXECUTE FUNCTION acl.guard()",
    "t10_geom_insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows "
                       "FOR EACH STATEMENT EXECUTE FUNCTION acl.check_inserted_geometries()",
    "t10_geom_missing": "BEFORE INSERT ON {t} FOR EACH ROW WHEN (NEW.geom IS NULL) "
                        "EXECUTE FUNCTION acl.check_geometry()",
    "t10_geom_update": "BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION acl.check_geometry()",
    "t20_version_insert": "BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION acl.stamp_insert()",
    "t20_version_update": "BEFORE UPDATE ON {t} FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) "
                          "EXECUTE FUNCTION acl.stamp_update()",
    "t90_audit_insert": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows "
                        "FOR EACH STATEMENT EXECUTE FUNCTION audit.log_rows()",
    "t90_audit_delete": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows "
                        "FOR EACH STATEMENT EXECUTE FUNCTION audit.log_rows()",
    "t90_audit_update": "AFTER UPDATE ON {t} "
                        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                        "FOR EACH STATEMENT EXECUTE FUNCTION audit.log_change()",
    # Every row of a TRUNCATE enters the log as a deletion (no service role may truncate).
    "t90_audit_truncate": "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT "
                          "EXECUTE FUNCTION audit.log_rows()",
}
# Triggers of earlier versions of the rules, removed when the rules are attached again.
FORMER_TRIGGERS = ("t05_guard", "t10_geom", "t90_audit")
# The row versions and the audit log: what tables other than the themes take from the rules.
VERSION_AND_AUDIT = ("t20_version_insert", "t20_version_update", "t90_audit_insert",
                     "t90_audit_delete", "t90_audit_update")


def triggers_sql(table: str, names: tuple[str, ...]) -> str:
    """One statement (re)creating the named rule triggers on `table`."""
    t = f'public."{table}"'
    return " ".join(f"DROP TRIGGER IF EXISTS {name} ON {t}; "
                    f"CREATE TRIGGER {name} {RULE_TRIGGERS[name].format(t=t)};" for name in names)

THEME_TRIGGERS = (*RULE_TRIGGERS, *TILE_TRIGGERS)


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
        rule_triggers_sql(table),
        grants_sql(table),
        tile_triggers_sql(table),
    ]


def grants_sql(table: str) -> str:
    """Ids generated always, and the least rights: read for all service roles, write for the
    app, the importer and editors on every column but `id` (so no login chooses an id; a
    deleted feature comes back only through `acl.restore_feature`). No TRUNCATE for any
    service role. Run again after columns are added (`ThemeSecurity` and the migration that
    adds them)."""
    t = f'public."{table}"'
    return (
        f"ALTER TABLE {t} ALTER COLUMN id SET GENERATED ALWAYS; "
        f"REVOKE ALL ON {t} FROM PUBLIC, {WRITERS}; "
        f"GRANT SELECT ON {t} TO sig_reader, sig_audit; "
        f"GRANT SELECT, INSERT ON {t} TO sig_rules; "  # acl.restore_feature
        f"GRANT SELECT, DELETE ON {t} TO {WRITERS}; "
        "DO $grants$ DECLARE columns text; BEGIN "
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
        "INTO columns FROM pg_catalog.pg_attribute a "
        f"WHERE a.attrelid = '{t}'::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attname <> 'id'; "
        "EXECUTE 'GRANT INSERT (' || columns || '), UPDATE (' || columns || ') "
        f"ON {t} TO {WRITERS}'; "
        "END $grants$")


def rule_triggers_sql(table: str) -> str:
    """One statement (re)creating the guard, geometry, version and audit triggers."""
    t = f'public."{table}"'
    drops = [f"DROP TRIGGER IF EXISTS {name} ON {t};" for name in (*FORMER_TRIGGERS,
                                                                     *RULE_TRIGGERS)]
    creates = [f"CREATE TRIGGER {name} {timing.format(t=t)};"
               for name, timing in RULE_TRIGGERS.items()]
    return " ".join(drops + creates)


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
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {t}"
                  for name in (*THEME_TRIGGERS, *FORMER_TRIGGERS)]
    statements += [f"DROP POLICY IF EXISTS {table}_{op} ON {t}"
                   for op in ("select", "insert", "update", "delete")]
    statements += [f"ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY",
                   f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY"]
    return statements
