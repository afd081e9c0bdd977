"""Rules v3: the geometries of inserted rows are checked set-based (one join per statement)."""

from django.db import migrations

from sig.core.operations import attach_rules
from sig.core.security import RULES_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_set_based_audit"),
    ]
    operations = [
        migrations.RunSQL(RULES_SQL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(attach_rules, migrations.RunPython.noop),
    ]
