"""Append-only change rows instead of one updated row per table and municipality, so that
concurrent writers (an import and web edits of the same municipality) never wait for each other.
Carries the counts and versions of 0001 over; triggers keep their function."""

from django.db import migrations

from sig.ogcapi.tracking import STATE_SQL


class Migration(migrations.Migration):

    dependencies = [("ogcapi", "0001_collection_state")]

    operations = [
        migrations.RunSQL(STATE_SQL, reverse_sql=migrations.RunSQL.noop),
    ]
