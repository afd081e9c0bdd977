"""Schema maps: dirty extents recorded by a statement trigger on every theme table.

Theme tables created later get the triggers from `ThemeSecurity` (`tile_triggers_sql`).
"""

from django.db import migrations

from sig.core.operations import existing_theme_tables
from sig.core.security import TILE_TRIGGERS, TILES_SQL, tile_triggers_sql


def attach(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table in existing_theme_tables(cursor):
            cursor.execute(tile_triggers_sql(table))


def detach(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table in existing_theme_tables(cursor):
            for name in TILE_TRIGGERS:
                cursor.execute(f'DROP TRIGGER IF EXISTS {name} ON public."{table}"')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_rules"),
        ("themes", "0001_initial"),
    ]
    operations = [
        migrations.RunSQL(TILES_SQL, reverse_sql="DROP SCHEMA maps CASCADE;"),
        migrations.RunPython(attach, detach),
    ]
