"""Rules v2: guard triggers filtered by WHEN, inserts and deletes audited set-based.

The functions are replaced from rules.sql; the theme tables that exist get the new triggers
(`rule_triggers_sql`), and those created later get them from `ThemeSecurity`.
"""

from django.db import migrations

from sig.core.security import RULES_SQL, rule_triggers_sql


def attach(apps, schema_editor):
    from sig.registry import get_registry

    with schema_editor.connection.cursor() as cursor:
        for theme in get_registry():
            cursor.execute("SELECT to_regclass(%s)", [f'public."{theme.table}"'])
            if cursor.fetchone()[0] is not None:
                cursor.execute(rule_triggers_sql(theme.table))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_tile_freshness"),
        ("themes", "0001_initial"),
    ]
    operations = [
        migrations.RunSQL(RULES_SQL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(attach, migrations.RunPython.noop),
    ]
