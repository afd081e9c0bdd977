"""The bundles in the repository (the web map, the editor and every other `build:<name>` script
of package.json) are what `npm run build` makes of the sources, built from npm packages only
(no CDN)."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from sig.conf import BASE_DIR

DIST = BASE_DIR / "sig" / "web" / "static" / "web" / "dist"
SCRIPTS = json.loads((BASE_DIR / "package.json").read_text())["scripts"]
# build:<name> writes dist/<name>.js and .css.
BUNDLES = {name: name.removeprefix("build:") for name in SCRIPTS if name.startswith("build:")}


def _build_command(script_name: str, outfile) -> list[str]:
    words = shlex.split(SCRIPTS[script_name])
    assert words[0] == "esbuild"
    words = [w for w in words[1:] if not w.startswith("--outfile=")]
    return [str(BASE_DIR / "node_modules" / ".bin" / "esbuild"), *words, f"--outfile={outfile}"]


@pytest.mark.parametrize(("script_name", "bundle"), BUNDLES.items())
def test_bundle_is_up_to_date_with_the_sources(tmp_path, script_name, bundle):
    done = subprocess.run(_build_command(script_name, tmp_path / f"{bundle}.js"), cwd=BASE_DIR,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in (f"{bundle}.js", f"{bundle}.css"):
        assert (tmp_path / name).read_bytes() == (DIST / name).read_bytes(), \
            f"{name} is stale: run `npm run build`"


@pytest.mark.parametrize("bundle", BUNDLES.values())
def test_bundle_fetches_nothing_from_other_hosts(bundle):
    code = (DIST / f"{bundle}.js").read_text(encoding="utf-8")
    for host in ("unpkg.com", "cdn.jsdelivr", "cdnjs", "openstreetmap.org", "googleapis"):
        assert host not in code


def test_npm_build_makes_every_bundle():
    assert {"build:map", "build:editor"} <= set(BUNDLES)
    assert SCRIPTS["build"].split(" && ") == [f"npm run {name}" for name in BUNDLES]
