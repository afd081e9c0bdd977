"""Files derived from the registry are up to date, and so are the migrations."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from sig.conf import BASE_DIR
from sig.derive import render_all, stale_files
from sig.registry import GeometryType, load_registry


def test_derived_files_are_not_stale():
    assert stale_files() == [], "run `sig derive` and commit the result"


def test_a_registry_change_makes_derived_files_stale(tmp_path):
    registry = load_registry()
    changed = registry.themes["moradas"].model_copy(update={"geometry": GeometryType.MULTIPOINT})
    themes = dict(registry.themes, moradas=changed)
    other = type(registry)(themes=themes, codes=registry.codes, folder=registry.folder)
    assert stale_files(registry=other)  # the current files no longer match


def test_every_theme_is_in_every_derived_file():
    registry = load_registry()
    files = render_all(registry)
    pygeoapi = yaml.safe_load(files["pygeoapi-config.yml"])
    mapproxy = yaml.safe_load(files["mapproxy.yaml"])
    layers = json.loads(files["sig/web/static/web/layers.json"])["layers"]
    for theme in registry:
        assert theme.id in pygeoapi["resources"]
        assert theme.id in {layer["name"] for layer in mapproxy["layers"]}
        assert f'NAME "{theme.id}"' in files["data/mapserver/sig.map"]
        assert theme.id in {layer["id"] for layer in layers}
    assert {"municipios", "freguesias"} <= set(pygeoapi["resources"])


def test_migrations_match_the_registry():
    result = subprocess.run([sys.executable, "-m", "sig.cli", "makemigrations", "--check"],
                            cwd=BASE_DIR, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
