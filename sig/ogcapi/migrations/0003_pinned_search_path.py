"""The collection-state functions again from state.sql: catalogue relations schema-qualified and
SECURITY DEFINER functions pinned to `pg_catalog, public, pg_temp`, so that no session's
temporary objects stand in for them."""

from django.db import migrations

from sig.ogcapi.tracking import STATE_SQL


class Migration(migrations.Migration):

    dependencies = [("ogcapi", "0002_collection_change")]

    operations = [
        migrations.RunSQL(STATE_SQL, reverse_sql=migrations.RunSQL.noop),
    ]
