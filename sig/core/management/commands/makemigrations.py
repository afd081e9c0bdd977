"""`makemigrations` that puts every new theme table under the shared database rules."""

from django.core.management.commands.makemigrations import Command as BaseCommand
from django.db.migrations.operations import CreateModel

from sig.core.operations import ThemeSecurity

RULES = ("core", "0001_rules")


def add_theme_security(changes: dict) -> None:
    """Append ThemeSecurity after each CreateModel of the themes app."""
    for migration in changes.get("themes", []):
        if RULES not in migration.dependencies:
            migration.dependencies.append(RULES)
        created = [op for op in migration.operations if isinstance(op, CreateModel)]
        for op in created:
            table = op.options.get("db_table") or op.name.lower()
            migration.operations.append(ThemeSecurity(table))


class Command(BaseCommand):
    def write_migration_files(self, changes, *args, **kwargs):
        add_theme_security(changes)
        return super().write_migration_files(changes, *args, **kwargs)
