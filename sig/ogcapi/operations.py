"""Migration operation that puts a table under OGC API change tracking.

`sig.core`'s `makemigrations` appends `TrackChanges(table)` after each new theme table
(registered in `OgcapiConfig.ready`), as it appends `ThemeSecurity`.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

from sig.ogcapi.tracking import THEME_KEY, tracking_sql, untracking_sql


class TrackChanges(Operation):
    """Statement-level triggers feeding `ogcapi.collection_state` for one table."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str, key_column: str = THEME_KEY):
        self.table = table
        self.key_column = key_column

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for statement in tracking_sql(self.table, self.key_column):
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for statement in untracking_sql(self.table):
            schema_editor.execute(statement)

    def describe(self) -> str:
        return f"OGC API change tracking on {self.table}"

    def deconstruct(self):
        kwargs = {} if self.key_column == THEME_KEY else {"key_column": self.key_column}
        return (self.__class__.__name__, [self.table], kwargs)

    @property
    def migration_name_fragment(self) -> str:
        return f"track_{self.table}"
