"""Rules v3: the geometries of inserted rows are checked set-based (one join per statement)."""

from django.db import migrations

from sig.core.operations import refresh_rules


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_set_based_audit"),
    ]
    operations = refresh_rules()
