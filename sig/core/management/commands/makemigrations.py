"""`makemigrations` that puts every new theme table under the shared database rules.

After each CreateModel of the themes app it appends `ThemeSecurity` (RLS, triggers, grants,
tile freshness), `ThemeStorage` (fill factor) and the operations other apps ask for through
`after_each_theme_table` (the OGC API's `TrackChanges`, registered when that app is ready),
after each AddField the theme's column grants again (`ThemeGrants`), and makes the migration
depend on the migrations that define the functions those use.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.commands.makemigrations import Command as BaseCommand
from django.db.migrations.operations import AddField, CreateModel
from django.db.migrations.operations.base import Operation

from sig.core.operations import ThemeGrants, ThemeSecurity, ThemeStorage

# Migrations every generated theme migration depends on (apps add theirs).
REQUIRED: list[tuple[str, str]] = [("core", "0005_hardened_rights")]
# Operations appended after each new theme table, given the table name.
AFTER_TABLE: list[Callable[[str], Operation]] = [ThemeSecurity, ThemeStorage]


def after_each_theme_table(operation: Callable[[str], Operation],
                           dependency: tuple[str, str]) -> None:
    """Hook for an app above the rules: append `operation(table)` after each new theme table,
    in migrations that depend on `dependency`."""
    if operation not in AFTER_TABLE:
        AFTER_TABLE.append(operation)
    if dependency not in REQUIRED:
        REQUIRED.append(dependency)


def add_theme_security(changes: dict) -> None:
    """Append the rules after each new theme table."""
    for migration in changes.get("themes", []):
        for dependency in REQUIRED:
            if dependency not in migration.dependencies:
                migration.dependencies.append(dependency)
        created = [op for op in migration.operations if isinstance(op, CreateModel)]
        for op in created:
            table = op.options.get("db_table") or op.name.lower()
            migration.operations += [operation(table) for operation in AFTER_TABLE]
        widened = {op.model_name for op in migration.operations if isinstance(op, AddField)}
        migration.operations += [ThemeGrants(name) for name in sorted(widened)]


class Command(BaseCommand):
    def write_migration_files(self, changes, *args, **kwargs):
        add_theme_security(changes)
        return super().write_migration_files(changes, *args, **kwargs)
