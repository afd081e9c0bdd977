"""`sig check` and failing fast on a wrong database address."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sig.conf import BASE_DIR


def _sig(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sig.cli", *args], cwd=BASE_DIR, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=60)


def test_check_passes_with_grids(caop, tmp_path):
    from tests.conftest import shared

    result = _sig("check", env={"SIG_PROJ_GRIDS_DIR": str(shared("proj-grids"))})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostGIS 3" in result.stdout and "PROJ" in result.stdout
    assert "10 municípios" in result.stdout


def test_check_warns_about_missing_grids_without_failing(caop, tmp_path):
    result = _sig("check", env={"SIG_PROJ_GRIDS_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout
    assert "[aviso] grelhas da DGT" in result.stdout
    assert "pt_dgt_D73_ETRS89_geo.tif" in result.stdout and "sig fetch-grids" in result.stdout
    assert "Datum 73" in result.stdout and "são recusadas" in result.stdout


def test_fetch_grids_copies_from_a_local_folder_when_offline(tmp_path):
    from tests.conftest import shared

    target = tmp_path / "grids"
    result = _sig("fetch-grids", "--fallback", str(shared("proj-grids")),
                  env={"SIG_PROJ_GRIDS_DIR": str(target)})
    assert result.returncode == 0, result.stderr
    assert (target / "pt_dgt_D73_ETRS89_geo.tif").stat().st_size > 1000
    again = _sig("check", env={"SIG_PROJ_GRIDS_DIR": str(target)})
    assert "[ok  ] grelhas da DGT" in again.stdout


def test_fetch_grids_without_any_source_names_the_grid(tmp_path):
    hidden = {"SIG_PROJ_GRIDS_DIR": str(tmp_path / "g"), "PATH": str(tmp_path)}  # no projsync
    result = _sig("fetch-grids", env=hidden)
    assert result.returncode == 2
    assert "pt_dgt_D73_ETRS89_geo.tif" in result.stderr and "pt_dgt_DLx" in result.stderr


def test_optional_fetch_grids_only_warns(tmp_path):
    """What `make up` runs: no network and no copies is a warning, not a failed start."""
    hidden = {"SIG_PROJ_GRIDS_DIR": str(tmp_path / "g"), "PATH": str(tmp_path)}  # no projsync
    result = _sig("fetch-grids", "--optional", "--fallback", str(tmp_path / "nada"), env=hidden)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("aviso: grelhas da DGT em falta")
    assert "Datum Lisboa" in result.stderr and "são recusadas" in result.stderr


def test_wrong_database_url_fails_fast_with_a_clear_message():
    started = time.monotonic()
    result = _sig("check", "--db-only",
                  env={"SIG_DATABASE_URL": "postgresql://sig_app@127.0.0.1:1/sig"})
    assert time.monotonic() - started < 15
    assert result.returncode == 1
    assert "não foi possível ligar à base de dados sig_app@127.0.0.1:1/sig" in result.stdout


def test_wrong_database_url_stops_the_web_service_start():
    result = _sig("migrate", env={"SIG_DATABASE_URL": "postgresql://sig_app@127.0.0.1:1/sig"})
    assert result.returncode == 2
    assert "erro:" in result.stderr and "127.0.0.1:1" in result.stderr
