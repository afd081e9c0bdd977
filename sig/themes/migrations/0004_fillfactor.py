"""Theme tables keep 10 % of each page free (fillfactor 90), so that an update that changes
no indexed column stays in its page without new index entries (a HOT update)."""

from django.db import migrations

from sig.core.operations import set_theme_storage


class Migration(migrations.Migration):
    dependencies = [("themes", "0003_set_based_references")]
    operations = [migrations.RunPython(set_theme_storage, migrations.RunPython.noop)]
