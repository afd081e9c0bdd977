"""Rules v6: the audit of an UPDATE of 100 rows or more finds the changed columns with one
expression per column (audit.bulk_update_sql) instead of a jsonb_each per row; the entries
are the same."""

from django.db import migrations

from sig.core.operations import refresh_rules


class Migration(migrations.Migration):
    dependencies = [("core", "0007_references_by_column")]
    operations = refresh_rules()
