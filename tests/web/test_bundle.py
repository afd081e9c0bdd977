"""The web map's bundle in the repository is what `npm run build:map` makes of the sources,
built from npm packages only (no CDN)."""

from __future__ import annotations

import json
import shlex
import subprocess

from sig.conf import BASE_DIR

DIST = BASE_DIR / "sig" / "web" / "static" / "web" / "dist"


def _build_command(outfile) -> list[str]:
    script = json.loads((BASE_DIR / "package.json").read_text())["scripts"]["build:map"]
    words = shlex.split(script)
    assert words[0] == "esbuild"
    words = [w for w in words[1:] if not w.startswith("--outfile=")]
    return [str(BASE_DIR / "node_modules" / ".bin" / "esbuild"), *words, f"--outfile={outfile}"]


def test_bundle_is_up_to_date_with_the_sources(tmp_path):
    done = subprocess.run(_build_command(tmp_path / "map.js"), cwd=BASE_DIR,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in ("map.js", "map.css"):
        assert (tmp_path / name).read_bytes() == (DIST / name).read_bytes(), \
            f"{name} is stale: run `npm run build:map`"


def test_bundle_fetches_nothing_from_other_hosts():
    code = (DIST / "map.js").read_text(encoding="utf-8")
    for host in ("unpkg.com", "cdn.jsdelivr", "cdnjs", "openstreetmap.org", "googleapis"):
        assert host not in code
