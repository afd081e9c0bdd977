"""Rules v2: guard triggers filtered by WHEN, inserts and deletes audited set-based.

The functions are replaced from rules.sql; the theme tables that exist get the new triggers,
and those created later get them from `ThemeSecurity`.
"""

from django.db import migrations

from sig.core.operations import attach_rules
from sig.core.security import RULES_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_tile_freshness"),
        ("themes", "0001_initial"),
    ]
    operations = [
        migrations.RunSQL(RULES_SQL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(attach_rules, migrations.RunPython.noop),
    ]
