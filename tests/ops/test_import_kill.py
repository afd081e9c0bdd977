"""An import killed in the middle of writing leaves the theme and its history as they were."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path

import psycopg

from sig.conf import BASE_DIR, get_settings

SIG = str(BASE_DIR / ".venv" / "bin" / "sig")
POINTS = 30_000

FILE_SQL = """
COPY (SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(
  json_build_object('type', 'Feature',
    'geometry', ST_AsGeoJSON(ST_Transform(g.geom, 4326), 7)::json,
    'properties', json_build_object('arruamento', 'Rua da Carga ' || g.path[1] % 300,
                                    'numero', g.path[1]::text, 'localidade', '{place}'))))
  FROM (SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(geom, -200), {points}, 8))).*
        FROM municipio WHERE dico = '1009') g) TO STDOUT
"""


def _owner() -> psycopg.Connection:
    return psycopg.connect(get_settings().database_owner_url, autocommit=True)


def _state() -> tuple:
    with _owner() as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM moradas), "
            "(SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY id), '')) FROM moradas m), "
            "(SELECT count(*) FROM audit.change_log), "
            "(SELECT coalesce(max(id), 0) FROM audit.change_log)").fetchone()


def _write_file(path: Path, points: int, place: str = "Leiria") -> None:
    sql = FILE_SQL.format(points=int(points), place=place.replace("'", ""))
    with _owner() as conn, conn.cursor() as cur, path.open("wb") as out:
        with cur.copy(sql) as copy:
            for chunk in copy:
                out.write(chunk)


def _import(path: Path) -> subprocess.Popen:
    return subprocess.Popen([SIG, "import", "--municipio", "1009", "--theme", "moradas",
                             str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=os.environ | {"PYTHONUNBUFFERED": "1"})


def _wait_for(process: subprocess.Popen, text: bytes, timeout: float = 300) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    assert process.stdout is not None
    while text not in seen and time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stdout], [], [], 1)
        if ready:
            seen += os.read(process.stdout.fileno(), 65536)
    return seen


def _last_run() -> tuple:
    with _owner() as conn:
        return conn.execute("SELECT id, status, inserted, backend_pid FROM importing_run "
                            "ORDER BY id DESC LIMIT 1").fetchone()


def _wait_session_gone(pid: int | None) -> None:
    deadline = time.monotonic() + 60
    with _owner() as conn:
        while pid and time.monotonic() < deadline and conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            time.sleep(0.2)


def test_killed_import_leaves_nothing_partial(caop, tmp_path):
    big, small = tmp_path / "moradas.geojson", tmp_path / "poucas.geojson"
    _write_file(big, POINTS)
    _write_file(small, 20, place=f"Leiria {time.time_ns()}")  # new values on every run
    before = _state()

    process = _import(big)
    output = _wait_for(process, b"a gravar")
    time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert b"a gravar" in output and b"conclu" not in output, output[-500:]

    run_id, status, inserted, backend = _last_run()
    assert status == "em_curso" and not inserted
    assert _state() == before, "nothing of the killed import may be visible"
    _wait_session_gone(backend)
    assert _state() == before

    follow_up = _import(small)
    out = follow_up.communicate(timeout=300)[0].decode()
    assert follow_up.returncode == 0, out
    with _owner() as conn:
        status, error = conn.execute("SELECT status, error FROM importing_run WHERE id = %s",
                                     (run_id,)).fetchone()
        inserted, updated = conn.execute("SELECT inserted, updated FROM importing_run "
                                         "ORDER BY id DESC LIMIT 1").fetchone()
    assert status == "interrompida" and "nada foi gravado" in error
    assert inserted + updated == 20
    count, _, audit_rows, _ = _state()
    assert count == before[0] + inserted and audit_rows == before[2] + 20
