"""Migration operations that keep database rules in migrations."""

from __future__ import annotations

from django.db import migrations
from django.db.migrations.operations.base import Operation

from sig.core.security import (
    RULES_SQL,
    grants_sql,
    rule_triggers_sql,
    theme_security_reverse_sql,
    theme_security_sql,
)


class TableSql(Operation):
    """A migration operation that runs SQL on one table and leaves the model state alone:
    subclasses give the statements both ways and a description."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str):
        self.table = table

    def forwards_sql(self) -> list[str]:
        raise NotImplementedError

    def backwards_sql(self) -> list[str]:
        raise NotImplementedError

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for statement in self.forwards_sql():
            schema_editor.execute(statement)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for statement in self.backwards_sql():
            schema_editor.execute(statement)

    def deconstruct(self):
        return (self.__class__.__name__, [self.table], {})


class ThemeSecurity(TableSql):
    """Enable row-level security, guard/geometry/version/audit triggers and grants on a theme."""

    def forwards_sql(self) -> list[str]:
        return theme_security_sql(self.table)

    def backwards_sql(self) -> list[str]:
        return theme_security_reverse_sql(self.table)

    def describe(self) -> str:
        return f"Row-level security, triggers and grants on {self.table}"

    @property
    def migration_name_fragment(self) -> str:
        return f"security_{self.table}"


class ThemeGrants(Operation):
    """The column grants of a theme again, after a migration added columns to it."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        schema_editor.execute(grants_sql(table))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self) -> str:
        return f"Column grants of {self.model_name}"

    def deconstruct(self):
        return (self.__class__.__name__, [self.model_name], {})


# Room left in each page of a theme table: an update that changes no indexed column (an
# attribute edited, a re-import's changed attributes) then stays in its page and adds no
# index entries (a HOT update), instead of a new entry in each of the table's five indexes.
THEME_FILLFACTOR = 90


def storage_sql(table: str) -> str:
    return f'ALTER TABLE public."{table}" SET (fillfactor = {THEME_FILLFACTOR})'


class ThemeStorage(TableSql):
    """The theme table's storage parameters (`THEME_FILLFACTOR`)."""

    def forwards_sql(self) -> list[str]:
        return [storage_sql(self.table)]

    def backwards_sql(self) -> list[str]:
        return [f'ALTER TABLE public."{self.table}" RESET (fillfactor)']

    def describe(self) -> str:
        return f"Fill factor of {self.table}"


def set_theme_storage(apps, schema_editor) -> None:
    """RunPython: `storage_sql` on every theme table that exists (new pages follow it; the
    pages already written keep theirs until the table is rewritten)."""
    with schema_editor.connection.cursor() as cursor:
        for table in existing_theme_tables(cursor):
            cursor.execute(storage_sql(table))


def existing_theme_tables(cursor) -> list[str]:
    """Tables of the registry's themes that exist in the database (for RunPython steps)."""
    from sig.registry import get_registry

    tables = []
    for theme in get_registry():
        cursor.execute("SELECT to_regclass(%s)", [f'public."{theme.table}"'])
        if cursor.fetchone()[0] is not None:
            tables.append(theme.table)
    return tables


def attach_rules(apps, schema_editor) -> None:
    """RunPython: the current rule triggers and grants on every theme table that exists (the
    functions come from rules.sql, run just before); tables created later get them from
    ThemeSecurity."""
    with schema_editor.connection.cursor() as cursor:
        for table in existing_theme_tables(cursor):
            cursor.execute(rule_triggers_sql(table))
            cursor.execute(grants_sql(table))


def refresh_rules() -> list:
    """Migration operations bringing an existing database to the current rules.sql."""
    return [migrations.RunSQL(RULES_SQL, reverse_sql=migrations.RunSQL.noop),
            migrations.RunPython(attach_rules, migrations.RunPython.noop)]
