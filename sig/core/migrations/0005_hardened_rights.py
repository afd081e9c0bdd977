"""Rules v4: rights that hold against a hostile login.

Every relation and shadowable type in the rules' functions schema-qualified, SECURITY DEFINER
functions pinned to `pg_catalog, public, pg_temp`, no TEMPORARY or CREATE for any role a person
or a request connects as, the audit log owned by the NOLOGIN role sig_audit, TRUNCATE of a
theme audited row by row, ids GENERATED ALWAYS with no service role writing the id column
(`acl.restore_feature` is the one way to choose an id), the boundaries written only by the
owner. Needs the roles of `sig bootstrap-db`.
"""

from django.db import migrations

from sig.core.operations import refresh_rules
from sig.core.security import TERRITORY_RIGHTS_SQL, TILES_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_set_based_geometry_check"),
        ("themes", "0002_one_index_per_key"),
        ("ogcapi", "0002_collection_change"),
    ]
    operations = [*refresh_rules(),
                  migrations.RunSQL(TILES_SQL, reverse_sql=migrations.RunSQL.noop),
                  migrations.RunSQL(TERRITORY_RIGHTS_SQL, reverse_sql=migrations.RunSQL.noop)]
