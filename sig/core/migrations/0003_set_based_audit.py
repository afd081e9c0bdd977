"""Rules v2: guard triggers filtered by WHEN, inserts and deletes audited set-based.

The functions are replaced from rules.sql; the theme tables that exist get the new triggers,
and those created later get them from `ThemeSecurity`.
"""

from django.db import migrations

from sig.core.operations import refresh_rules


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_tile_freshness"),
        ("themes", "0001_initial"),
    ]
    operations = refresh_rules()
