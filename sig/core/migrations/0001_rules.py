"""Schemas acl and audit: rights functions, row-version triggers and the append-only audit log."""

from django.db import migrations

from sig.core.security import RULES_SQL


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [
        migrations.RunSQL(RULES_SQL, reverse_sql="DROP SCHEMA acl CASCADE; DROP SCHEMA audit CASCADE;"),
    ]
