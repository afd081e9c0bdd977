"""acl.protect_references searches only the audited tables that have the boundary's column:
the occurrences' event table (audited, without a freguesia) made deleting a freguesia fail
with 'column does not exist' instead of the rule's own message."""

from django.db import migrations

from sig.core.security import REFERENCES_SQL


class Migration(migrations.Migration):
    dependencies = [("core", "0006_set_based_references")]
    operations = [migrations.RunSQL(REFERENCES_SQL, reverse_sql=migrations.RunSQL.noop)]
