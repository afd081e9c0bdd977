"""`sig seed`: tiles rendered ahead inside one municipality (coverage from PostGIS), with
progress; `--limpar` removes them; bad options get a pt-PT error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sig.conf import BASE_DIR

LAYER = "limites_administrativos"


def sig(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sig.cli", *args], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def seeded_tiles(cache_root: Path) -> list[tuple[int, int, int]]:
    """(z, x, y) of the PT-TM06 tiles of LAYER on disk (tms layout: z/x/y.png)."""
    found = []
    for path in cache_root.glob(f"*/{LAYER}_cache_EPSG3763/*/*/*.png"):
        z, x = int(path.parent.parent.name), int(path.parent.name)
        found.append((z, x, int(path.stem)))
    return found


def test_seed_one_municipality_then_clear(demo, maps_env, maps_folders, reader):
    cache = maps_folders["SIG_CACHE_DIR"]
    sig(maps_env, "seed", "--layer", LAYER, "--limpar")
    done = sig(maps_env, "seed", "--municipio", "1016", "--layer", LAYER, "--grid", "PTTM06",
               "--levels", "6-8")
    assert done.returncode == 0, done.stderr
    assert "limites_administrativos na grelha PTTM06, níveis 6–8" in done.stdout
    assert "100.0%" in done.stdout and "pré-geração concluída: 1 tarefas" in done.stdout
    tiles = seeded_tiles(cache)
    assert {z for z, _, _ in tiles} == {6, 7, 8}
    minx, miny, maxx, maxy = reader.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        "(SELECT ST_Extent(geom) e FROM municipio WHERE dico = '1016') s").fetchone()
    level8 = [(x, y) for z, x, y in tiles if z == 8]
    span = 8.0 * 256  # level 8: 8 m per pixel
    for x, y in level8:  # MapProxy numbers PT-TM06 rows from the top (origin nw)
        tminx, tmaxy = -262144 + x * span, 300000 - y * span
        assert tminx < maxx + 4 * span and tminx + span > minx - 4 * span
        assert tmaxy > miny - 4 * span and tmaxy - span < maxy + 4 * span
    cleared = sig(maps_env, "seed", "--municipio", "1016", "--layer", LAYER, "--limpar")
    assert cleared.returncode == 0 and seeded_tiles(cache) == []


def test_bad_seed_options_are_refused_in_pt(maps_env):
    for args, message in ((["--layer", "nada"], "camada desconhecida: nada"),
                          (["--municipio", "1101"], "município fora do serviço: 1101"),
                          (["--levels", "9-3"], "níveis inválidos")):
        done = sig(maps_env, "seed", *args)
        assert done.returncode == 2 and f"erro: {message}" in done.stderr
