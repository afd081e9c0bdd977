"""A new theme's generated migration carries the database rules."""

from __future__ import annotations

from django.db import migrations, models

from sig.core.management.commands.makemigrations import REQUIRED, add_theme_security
from sig.core.operations import ThemeSecurity, ThemeStorage
from sig.ogcapi.operations import TrackChanges


def test_new_theme_table_gets_security_and_tracking():
    migration = migrations.Migration("0002_arvoredo", "themes")
    migration.operations = [migrations.CreateModel(
        "Arvoredo", [("id", models.BigAutoField(primary_key=True))],
        options={"db_table": "arvoredo"})]
    migration.dependencies = [("themes", "0001_initial")]
    add_theme_security({"themes": [migration]})
    kinds = [type(op) for op in migration.operations]
    assert kinds == [migrations.CreateModel, ThemeSecurity, ThemeStorage, TrackChanges]
    assert migration.operations[1].table == "arvoredo"
    assert all(dependency in migration.dependencies for dependency in REQUIRED)


def test_other_apps_are_left_alone():
    migration = migrations.Migration("0003_x", "editing")
    migration.operations = [migrations.CreateModel("X", [("id", models.AutoField(
        primary_key=True))])]
    add_theme_security({"editing": [migration]})
    assert len(migration.operations) == 1
