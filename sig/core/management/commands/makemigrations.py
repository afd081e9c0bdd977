"""`makemigrations` that puts every new theme table under the shared database rules.

After each CreateModel of the themes app it appends `ThemeSecurity` (RLS, triggers, grants,
tile freshness) and `TrackChanges` (OGC API collection state), and makes the migration depend
on the migrations that define the functions those use.
"""

from django.core.management.commands.makemigrations import Command as BaseCommand
from django.db.migrations.operations import CreateModel

from sig.core.operations import ThemeSecurity
from sig.ogcapi.operations import TrackChanges

REQUIRED = (("core", "0004_set_based_geometry_check"), ("ogcapi", "0002_collection_change"))


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


class Command(BaseCommand):
    def write_migration_files(self, changes, *args, **kwargs):
        add_theme_security(changes)
        return super().write_migration_files(changes, *args, **kwargs)
