"""The import run: idempotent, updates by source key, --sync, --dry-run, atomic, killed
mid-run without partial data, quarantine kept and exported, through the database rules."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from sig.conf import BASE_DIR, get_settings
from sig.importing import sqlsteps
from sig.importing.errors import ImportFailed, ImportRefused
from sig.importing.quarantine import export
from tests.importing.conftest import (
    do_import,
    owner_connection,
    run_count,
    scalar,
    theme_count,
    write,
)


def facilities(path, points, names, kinds=None, crs=3763):
    kinds = kinds or ["saude"] * len(points)
    frame = gpd.GeoDataFrame({"ref": names, "nome": names,
                              "designacao": [f"Posto {n}" for n in names], "tipo": kinds},
                             geometry=list(points), crs=3763).to_crs(crs)
    return write(frame, path, driver="GeoJSON")


PROFILE = """theme: equipamentos
key: {fields: [ref]}
fields:
  nome: {from: designacao}
"""


def rows(fonte):
    with owner_connection() as conn:
        return conn.execute(
            "SELECT fonte_id, nome, tipo, row_version, updated_at, import_run, freguesia, "
            "created_by FROM equipamentos WHERE fonte = %s ORDER BY fonte_id", (fonte,)).fetchall()


def test_idempotent_then_update_by_key_then_sync(tmp_path, clean, leiria_points):
    profile = tmp_path / "perfil.yml"
    profile.write_text(PROFILE)
    first = facilities(tmp_path / "v1.geojson", leiria_points[:5], list("abcde"))
    result = do_import([first], "equipamentos", profile=profile, fonte=clean)
    assert (result.read, result.inserted, result.quarantined) == (5, 5, 0) and result.balanced
    before = rows(clean)
    assert all(r[3] == 1 and r[6] and r[6].startswith("1009") for r in before)
    assert before[0][7] == "app:teste"
    audit_before = scalar("SELECT count(*) FROM audit.change_log WHERE table_name = "
                          "'equipamentos'")

    again = do_import([first], "equipamentos", profile=profile, fonte=clean)
    assert (again.unchanged, again.inserted, again.updated) == (5, 0, 0) and again.balanced
    assert rows(clean) == before  # row versions, times and runs untouched
    assert scalar("SELECT count(*) FROM audit.change_log WHERE table_name = 'equipamentos'") \
        == audit_before

    # b renamed, c moved, d gone, f new
    points = [leiria_points[0], leiria_points[1], leiria_points[7], leiria_points[4],
              leiria_points[5]]
    second = facilities(tmp_path / "v2.geojson", points, list("abcef"))
    frame = pyogrio.read_dataframe(second)
    frame.loc[frame["ref"] == "b", "designacao"] = "Centro de Saúde B"
    write(frame, second, driver="GeoJSON")
    changed = do_import([second], "equipamentos", profile=profile, fonte=clean, sync=True)
    assert (changed.read, changed.inserted, changed.updated, changed.unchanged,
            changed.deleted) == (5, 1, 2, 2, 1) and changed.balanced
    after = {r[0]: r for r in rows(clean)}
    assert set(after) == {"a", "b", "c", "e", "f"}
    assert after["b"][1] == "Centro de Saúde B" and after["b"][3] == 2
    assert after["c"][3] == 2 and after["a"][3] == 1 and after["a"][5] == result.run_id
    assert after["b"][5] == changed.run_id
    deleted = scalar("SELECT app_user FROM audit.change_log WHERE table_name = 'equipamentos' "
                     "AND op = 'D' ORDER BY id DESC LIMIT 1")
    assert deleted == "teste"


def test_dry_run_counts_but_writes_nothing(tmp_path, clean, leiria_points):
    source = facilities(tmp_path / "p.geojson", leiria_points[:4], list("wxyz"))
    profile = tmp_path / "perfil.yml"
    profile.write_text(PROFILE)
    result = do_import([source], "equipamentos", fonte=clean, dry_run=True, profile=profile)
    assert (result.status, result.inserted) == ("simulada", 4)
    assert theme_count("equipamentos", clean) == 0
    assert scalar("SELECT status FROM importing_run WHERE id = %s", result.run_id) == "simulada"


def test_quarantine_keeps_originals_and_exports_a_geopackage(tmp_path, clean, leiria_points):
    points = list(leiria_points[:3]) + [shapely.Point(-200000, 0)]  # the last one at sea
    source = facilities(tmp_path / "q.geojson", points, ["1", "2", "3", "4"],
                        kinds=["saude", "laser", None, "saude"], crs=4326)
    result = do_import([source], "equipamentos", fonte=clean)
    assert (result.read, result.inserted, result.quarantined) == (4, 1, 3) and result.balanced
    reasons = dict(result.reasons)
    assert reasons["valor 'laser' de tipo não está na lista tipo_equipamento"] == 1
    assert reasons["atributo obrigatório em falta: tipo"] == 1
    assert reasons["fora do município 1009 (mesmo com a tolerância de 50 m do limite)"] == 1
    run = scalar("SELECT row_to_json(r) FROM importing_run r WHERE id = %s", result.run_id)
    assert run["quarantined"] == 3 and run["files"][0]["sha256"]
    assert "EPSG:4326" in run["crs"] and "ETRS89 to WGS 84" in run["transformation"]
    assert run["accuracy_m"] == 1.0 and run["app_user"] == "teste"

    output = tmp_path / "quarentena.gpkg"
    assert export(result.run_id, output) == {"q": 3}
    back = pyogrio.read_dataframe(output)
    assert sorted(back["ref"]) == ["2", "3", "4"]
    assert back.crs.to_epsg() == 4326  # the municipality gets its own CRS back
    original = pyogrio.read_dataframe(source).set_index("ref")
    for row in back.itertuples():
        assert row.geometry.equals_exact(original.loc[row.ref].geometry, 1e-9)
    assert "fora do município 1009" in back.set_index("ref").loc["4", "_motivos"]


def test_a_failed_merge_leaves_nothing_but_keeps_its_record(tmp_path, clean, leiria_points,
                                                         monkeypatch):
    points = list(leiria_points[:3]) + [shapely.Point(-200000, 0)]
    source = facilities(tmp_path / "f.geojson", points, list("abcd"))
    real_merge = sqlsteps.merge

    def merge_then_fail(cur, *args, **kwargs):
        real_merge(cur, *args, **kwargs)  # rows are in the table, inside the transaction
        cur.execute("SELECT 1/0")

    monkeypatch.setattr(sqlsteps, "merge", merge_then_fail)
    with pytest.raises(ImportFailed) as failed:
        do_import([source], "equipamentos", fonte=clean)
    assert "nada foi gravado" in str(failed.value)
    assert theme_count("equipamentos", clean) == 0
    run_id = failed.value.run_id
    assert scalar("SELECT status FROM importing_run WHERE id = %s", run_id) == "falhada"
    assert "division by zero" in scalar("SELECT error FROM importing_run WHERE id = %s", run_id)
    assert scalar("SELECT count(*) FROM importing_quarantine WHERE run_id = %s", run_id) == 1
    assert scalar("SELECT read || '/' || quarantined FROM importing_run WHERE id = %s",
                  run_id) == "4/1"


def test_an_editor_login_imports_its_own_municipality(tmp_path, clean, editor_login,
                                                      leiria_points):
    source = facilities(tmp_path / "e.geojson", leiria_points[:2], ["k1", "k2"])
    result = do_import([source], "equipamentos", login=editor_login, fonte=clean)
    assert result.inserted == 2
    # The importer role acts for the login, with the rights of its editor roles.
    assert {r[7] for r in rows(clean)} == {f"app:{editor_login}"}
    audit = scalar("SELECT db_user || ' ' || app_user FROM audit.change_log "
                   "WHERE table_name = 'equipamentos' ORDER BY id DESC LIMIT 1")
    assert audit == f"sig_importer {editor_login}"


def test_an_editor_login_cannot_import_another_municipality(tmp_path, clean, editor_login,
                                                            leiria_points):
    source = facilities(tmp_path / "e.geojson", leiria_points[:2], ["k1", "k2"])
    with pytest.raises(ImportRefused, match="não pode editar o município 1010"):
        do_import([source], "equipamentos", login=editor_login, fonte=clean,
                  municipios=("1010",))
    assert theme_count("equipamentos", clean) == 0


def _wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_killing_the_process_mid_merge_leaves_no_partial_data(tmp_path, clean, caop):
    with owner_connection() as conn:
        wkb = conn.execute("SELECT ST_AsBinary(ST_Buffer(geom, -200)) FROM municipio "
                           "WHERE dico = '1009'").fetchone()[0]
    area = shapely.from_wkb(bytes(wkb))
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = area.bounds
    xy = np.column_stack([rng.uniform(minx, maxx, 120_000), rng.uniform(miny, maxy, 120_000)])
    xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])][:60_000]
    frame = gpd.GeoDataFrame({"ref": np.arange(len(xy)).astype(str), "tipo": "saude",
                              "nome": "ponto"}, geometry=shapely.points(xy), crs=3763)
    source = write(frame, tmp_path / "muitos.gpkg", layer="pontos")
    env = {**os.environ, "SIG_DB_NAME": get_settings().db_name}
    process = subprocess.Popen(
        [sys.executable, "-m", "sig.cli", "import", "--municipio", "1009", "--theme",
         "equipamentos", "--fonte", clean, "--batch-size", "20000", str(source)],
        cwd=BASE_DIR, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        for line in process.stderr:
            if line.startswith("a gravar"):
                time.sleep(1.0)  # well inside the merge of 60 000 features
                break
        assert process.poll() is None, "the import ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    run_id = scalar("SELECT id FROM importing_run WHERE fonte = %s ORDER BY id DESC", clean)
    pid = scalar("SELECT backend_pid FROM importing_run WHERE id = %s", run_id)
    assert _wait_for(lambda: not scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                                        pid), 60)
    assert theme_count("equipamentos", clean) == 0
    runs_before = run_count()
    from sig.importing import runs

    with runs.bookkeeping() as conn:
        assert runs.mark_interrupted(conn) >= 1
    assert scalar("SELECT status FROM importing_run WHERE id = %s", run_id) == "interrompida"
    assert run_count() == runs_before


def test_staging_stopped_mid_file_leaves_gdal_usable(tmp_path):
    """A database error while staging stops the consumer after the first batch: the reader,
    which holds GDAL's restrictions and their lock, is closed by the thread that opened it,
    so the next read in the process (another upload, another test) is not left waiting."""
    import threading

    from sig.importing import readers
    from sig.importing.gdalenv import restricted
    from sig.importing.pipeline import ahead
    from sig.importing.profiles import SourceHints

    path = tmp_path / "pontos.gpkg"
    points = shapely.points(np.column_stack([np.arange(5000.0), np.zeros(5000)]))
    gpd.GeoDataFrame({"n": np.arange(5000)}, geometry=points, crs=3763).to_file(path)
    layer = readers.discover(readers.SourceFile(path=path, name=path.name))[0]
    staging = ahead(readers.batches(layer, 1000, SourceHints()))
    assert len(next(staging)) == 1000
    staging.close()  # as the consumer's `with` does when COPY fails

    def read_again() -> None:
        with restricted(("GPKG",)):
            pass

    other = threading.Thread(target=read_again, daemon=True)
    other.start()
    other.join(timeout=10)
    assert not other.is_alive(), "GDAL's lock is still held by the abandoned reader"
