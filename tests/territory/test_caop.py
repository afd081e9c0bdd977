"""CAOP loading: the ten CIMRL municipalities and their 73 freguesias, in EPSG:3763."""

from __future__ import annotations

import os
import subprocess
import sys

import pyogrio
import pytest

from sig.conf import BASE_DIR, EMBEDDED_CAOP
from sig.territory.caop import CaopError, load_caop
from tests.conftest import free_port, shared

# Areas in PT-TM06 published with the shared CAOP extract (km²).
AREAS_KM2 = {
    "1009": 565.2, "1015": 625.9, "1016": 261.8, "1010": 187.2, "1003": 176.1,
    "1008": 173.5, "1002": 160.5, "1013": 128.7, "1004": 103.5, "1007": 66.8,
}
NAMES = {"1007": "Castanheira de Pêra", "1008": "Figueiró dos Vinhos", "1002": "Alvaiázere"}


def test_ten_municipalities_with_their_areas(caop, owner):
    rows = owner.execute("SELECT dico, nome, ST_Area(geom) / 1e6, ST_SRID(geom), ST_IsValid(geom)"
                         " FROM municipio").fetchall()
    assert {r[0] for r in rows} == set(AREAS_KM2)
    for dico, nome, area, srid, valid in rows:
        assert srid == 3763 and valid
        assert area == pytest.approx(AREAS_KM2[dico], rel=0.01), dico
        if dico in NAMES:
            assert nome == NAMES[dico]


def test_73_freguesias_each_in_its_municipality(caop, owner):
    count, wrong = owner.execute(
        "SELECT count(*), count(*) FILTER (WHERE left(dicofre, 4) <> municipio) "
        "FROM freguesia").fetchone()
    assert (count, wrong) == (73, 0)
    per = dict(owner.execute("SELECT municipio, count(*) FROM freguesia GROUP BY 1").fetchall())
    assert per["1015"] == 17 and per["1009"] == 20 and per["1016"] == 10


def test_tolerance_boundary_is_stored(caop, owner):
    grown = owner.execute("SELECT bool_and(ST_Covers(geom_limite, geom)) AND "
                          "bool_and(ST_Area(geom_limite) > ST_Area(geom)) FROM municipio"
                          ).fetchone()[0]
    assert grown


def test_source_without_boundaries_is_refused(tmp_path, caop):
    (tmp_path / "x.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    with pytest.raises(CaopError, match="nenhuma camada de municípios"):
        load_caop([str(tmp_path / "x.geojson")])


def test_missing_source_is_named():
    with pytest.raises(CaopError, match="não encontrada: /nao/existe"):
        load_caop(["/nao/existe"])


def test_reload_is_idempotent(caop, owner):
    before = owner.execute("SELECT count(*) FROM municipio").fetchone()[0]
    load_caop([str(shared("caop"))])
    assert owner.execute("SELECT count(*) FROM municipio").fetchone()[0] == before


def _sig(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sig.cli", *args], cwd=BASE_DIR, text=True,
                          capture_output=True, env={**os.environ, **env}, timeout=120)


def _offline() -> dict[str, str]:
    """DGT's OGC API at a closed loopback port (no network), no fallback given."""
    closed = free_port(range(58700, 58800))
    return {"SIG_CAOP_URL": f"http://127.0.0.1:{closed}/collections", "SIG_CAOP_FALLBACK": ""}


def test_without_network_load_caop_loads_the_embedded_extract(caop, owner):
    try:
        result = _sig("load-caop", env=_offline())
        assert result.returncode == 0, result.stderr
        assert "10 municípios e 73 freguesias carregados" in result.stdout
        assert "aviso: não foi possível ler OAPIF:http://127.0.0.1:" in result.stderr
        assert "extrato incluído no projeto (data/caop/caop-cimrl.gpkg)" in result.stderr
        counts = owner.execute("SELECT (SELECT count(*) FROM municipio), "
                               "(SELECT count(*) FROM freguesia), "
                               "(SELECT min(fonte) FROM municipio)").fetchone()
        assert counts[:2] == (10, 73) and "extrato incluído" in counts[2]
    finally:
        load_caop([str(shared("caop"))])  # the other tests' boundaries, as the fixture left them


def test_an_explicit_source_does_not_fall_back_silently(tmp_path):
    result = _sig("load-caop", str(tmp_path / "nao-existe.gpkg"), env=_offline())
    assert result.returncode == 2
    assert "fonte CAOP não encontrada" in result.stderr


def test_caop_fallback_setting_overrides_the_embedded_extract(caop, owner, tmp_path):
    env = _offline() | {"SIG_CAOP_FALLBACK": str(shared("caop"))}
    result = _sig("load-caop", env=env)
    assert result.returncode == 0, result.stderr
    assert f"a usar {shared('caop')}" in result.stderr
    assert owner.execute("SELECT count(*) FROM freguesia").fetchone()[0] == 73


def test_embedded_extract_carries_licence_and_attribution():
    assert EMBEDDED_CAOP.stat().st_size < 2_000_000
    layers = {str(name) for name, _ in pyogrio.list_layers(EMBEDDED_CAOP)}
    assert layers == {"municipios", "freguesias"}
    for layer in layers:
        meta = pyogrio.read_info(EMBEDDED_CAOP, layer=layer)["layer_metadata"]
        assert meta["LICENSE"].startswith("CC BY 4.0")
        assert "Direção-Geral do Território" in meta["ATTRIBUTION"]
        assert "CAOP 2025" in meta["EDITION"]
        assert "CC BY 4.0" in meta["DESCRIPTION"]
    readme = (EMBEDDED_CAOP.parent / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "DGT" in readme


def test_extract_command_writes_a_loadable_geopackage(tmp_path):
    from sig.territory.extract import make_extract

    result = make_extract([str(shared("caop"))], tmp_path / "caop.gpkg", simplify_m=5)
    assert (result.municipios, result.freguesias) == (10, 73)
    frame = pyogrio.read_dataframe(result.path, layer="municipios")
    assert frame.crs.to_epsg() == 3763 and frame.is_valid.all()
    meta = pyogrio.read_info(result.path, layer="freguesias")["layer_metadata"]
    assert meta["SIMPLIFICATION_M"] == "5" and "Simplificado a 5 m" in meta["DESCRIPTION"]
