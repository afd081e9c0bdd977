"""Collection state (ETags, Last-Modified, exact counts) and its triggers on every served table.

Loops over the registry as it is when the migration runs; tables that do not exist yet are left
to the `TrackChanges` operation of the migration that creates them.
"""

from django.db import migrations

from sig.ogcapi.tracking import STATE_SQL_0001, TERRITORY_TABLES, THEME_KEY, tracking_sql, untracking_sql


def _tables() -> dict[str, str]:
    from sig.registry import get_registry

    tables = dict(TERRITORY_TABLES)
    tables.update({theme.table: THEME_KEY for theme in get_registry()})
    return tables


def _exists(schema_editor, table: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'public."{table}"'])
        return cursor.fetchone()[0]


def track_all(apps, schema_editor):
    for table, key in _tables().items():
        if _exists(schema_editor, table):
            for statement in tracking_sql(table, key):
                schema_editor.execute(statement)


def untrack_all(apps, schema_editor):
    for table in _tables():
        if _exists(schema_editor, table):
            for statement in untracking_sql(table):
                schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_rules"),
        ("territory", "0001_initial"),
        ("themes", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(STATE_SQL_0001, reverse_sql="DROP SCHEMA IF EXISTS ogcapi CASCADE"),
        migrations.RunPython(track_all, untrack_all),
    ]
