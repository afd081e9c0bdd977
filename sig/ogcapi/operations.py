"""Migration operation that puts a table under OGC API change tracking.

`sig.core`'s `makemigrations` appends `TrackChanges(table)` after each new theme table
(registered in `OgcapiConfig.ready`), as it appends `ThemeSecurity`.
"""

from __future__ import annotations

from sig.core.operations import TableSql
from sig.ogcapi.tracking import THEME_KEY, tracking_sql, untracking_sql


class TrackChanges(TableSql):
    """Statement-level triggers feeding `ogcapi.collection_state` for one table."""

    def __init__(self, table: str, key_column: str = THEME_KEY):
        super().__init__(table)
        self.key_column = key_column

    def forwards_sql(self) -> list[str]:
        return tracking_sql(self.table, self.key_column)

    def backwards_sql(self) -> list[str]:
        return untracking_sql(self.table)

    def describe(self) -> str:
        return f"OGC API change tracking on {self.table}"

    def deconstruct(self):
        kwargs = {} if self.key_column == THEME_KEY else {"key_column": self.key_column}
        return (self.__class__.__name__, [self.table], kwargs)
