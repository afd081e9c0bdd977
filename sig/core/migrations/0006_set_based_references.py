"""Rules v5: references and creations checked set-based, static trigger statements.

The theme tables' references to municipio and freguesia are checked by the rules' statement
triggers (inserts) and row triggers (updates), and on the boundaries' side by
acl.protect_references, instead of foreign keys checked row by row at commit. A creation's
audit entry keeps no image of the row (the present row and the later entries determine it),
written by one static statement per insert; the tile triggers' statements are static too
(their inserts and deletes name their transition table `changed_rows`).
"""

from django.db import migrations

from sig.core.operations import existing_theme_tables, refresh_rules
from sig.core.security import REFERENCES_SQL, TILES_SQL, tile_triggers_sql


def reattach_tile_triggers(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for table in existing_theme_tables(cursor):
            cursor.execute(tile_triggers_sql(table))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_hardened_rights"),
        ("themes", "0003_set_based_references"),
    ]
    operations = [*refresh_rules(),
                  migrations.RunSQL(REFERENCES_SQL, reverse_sql=migrations.RunSQL.noop),
                  migrations.RunSQL(TILES_SQL, reverse_sql=migrations.RunSQL.noop),
                  migrations.RunPython(reattach_tile_triggers, migrations.RunPython.noop)]
