"""`makemigrations` that puts every new theme table under the shared database rules.

After each CreateModel of the themes app it appends `ThemeSecurity` (RLS, triggers, grants,
tile freshness) and `TrackChanges` (OGC API collection state), after each AddField the theme's
column grants again (`ThemeGrants`), and makes the migration depend on the migrations that
define the functions those use.
"""

from django.core.management.commands.makemigrations import Command as BaseCommand
from django.db.migrations.operations import AddField, CreateModel

from sig.core.operations import ThemeGrants, ThemeSecurity
from sig.ogcapi.operations import TrackChanges

REQUIRED = (("core", "0005_hardened_rights"), ("ogcapi", "0003_pinned_search_path"))


def add_theme_security(changes: dict) -> None:
    """Append the rules after each new theme table."""
    for migration in changes.get("themes", []):
        for dependency in REQUIRED:
            if dependency not in migration.dependencies:
                migration.dependencies.append(dependency)
        created = [op for op in migration.operations if isinstance(op, CreateModel)]
        for op in created:
            table = op.options.get("db_table") or op.name.lower()
            migration.operations += [ThemeSecurity(table), TrackChanges(table)]
        widened = {op.model_name for op in migration.operations if isinstance(op, AddField)}
        migration.operations += [ThemeGrants(name) for name in sorted(widened)]


class Command(BaseCommand):
    def write_migration_files(self, changes, *args, **kwargs):
        add_theme_security(changes)
        return super().write_migration_files(changes, *args, **kwargs)
