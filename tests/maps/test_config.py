"""The derived mapfile and mapproxy.yaml, and the runtime configuration written from them."""

from __future__ import annotations

import stat

import pytest
import yaml

from sig.conf import BASE_DIR, load_settings
from sig.derive import render_all
from sig.derive.mapfile import zoom_scale
from sig.maps import runtime
from sig.registry import get_registry
from sig.tilegrid import PTTM06


@pytest.fixture(scope="module")
def derived() -> dict[str, str]:
    return render_all()


def test_derived_files_hold_no_deployment_values(derived):
    for path in ("mapproxy.yaml", "data/mapserver/sig.map"):
        text = derived[path]
        assert str(BASE_DIR) not in text and "/work/" not in text and "password" not in text
    assert derived["data/mapserver/sig.map"].count('CONNECTION "service=sig_reader"') >= 11


def test_classes_are_named_with_the_code_list_labels(derived):
    mapfile = derived["data/mapserver/sig.map"]
    assert 'NAME "Estrada nacional"' in mapfile
    assert 'EXPRESSION ("[classificacao]" = "EN")' in mapfile
    assert 'NAME "Reserva Ecológica Nacional"' in mapfile  # from the objeto_tipo CSV


def test_labels_and_scale_ranges_come_from_the_registry(derived):
    mapfile = derived["data/mapserver/sig.map"]
    lines = mapfile.split('NAME "moradas"')[1].split("\n  LAYER")[0]
    assert "MAXSCALEDENOM 10000\n" in lines  # exposure.maps.max_scale
    assert 'TEXT "[numero]"' in lines and f"MAXSCALEDENOM {zoom_scale(17):g}" in lines
    assert zoom_scale(17) == pytest.approx(4265.46, rel=1e-3)


def test_every_cache_has_both_grids_and_the_project_grid_is_the_tile_matrix_set(derived):
    conf = yaml.safe_load(derived["mapproxy.yaml"])
    grid = conf["grids"]["PTTM06"]
    assert grid["res"] == list(PTTM06.resolutions) and grid["bbox"] == list(PTTM06.bbox)
    assert grid["origin"] == "nw" and grid["srs"] == "EPSG:3763"
    for name, cache in conf["caches"].items():
        assert cache["grids"] == ["GLOBAL_WEBMERCATOR", "PTTM06"], name
        assert cache["meta_size"] == [4, 4], name
    equipamentos = conf["sources"]["equipamentos_src"]
    assert equipamentos["min_res"] == pytest.approx(250000 * 0.00028)
    assert equipamentos["wms_opts"]["legendgraphic"] is True


@pytest.mark.parametrize("spec, expected", [
    ("file", {"type": "file", "directory_layout": "tms"}),
    ("geopackage", {"type": "geopackage"}),
    ("s3://mapas/sig", {"type": "s3", "bucket_name": "mapas", "directory_layout": "tms",
                        "directory": "sig/equipamentos_cache"}),
    ("redis://cache:6380/2", {"type": "redis", "host": "cache", "port": 6380, "db": 2,
                              "prefix": "equipamentos_cache_"}),
])
def test_cache_backends(spec, expected):
    assert runtime._cache_backend(spec, "equipamentos_cache") == expected


def test_an_unknown_cache_backend_is_refused_in_pt():
    with pytest.raises(ValueError, match="SIG_MAPS_CACHE inválido"):
        runtime._cache_backend("ftp://x", "c")


def test_pg_service_file_carries_the_reader_connection():
    text = runtime.pg_service_text("postgresql://sig_reader:s%40gredo@db:5433/sig?sslmode=require")
    assert text.splitlines()[0] == "[sig_reader]"
    assert {"host=db", "port=5433", "dbname=sig", "user=sig_reader", "password=s@gredo",
            "sslmode=require"} <= set(text.splitlines())


@pytest.fixture
def prepared(monkeypatch, tmp_path, caop):
    for name, folder in (("SIG_RUN_DIR", "run"), ("SIG_CACHE_DIR", "cache"),
                         ("SIG_RASTER_DIR", "rasters")):
        monkeypatch.setenv(name, str(tmp_path / folder))
    return runtime.prepare(load_settings()), load_settings()


def test_runtime_files_are_resolved_private_and_loadable_by_mapproxy(prepared):
    from mapproxy.config.loader import load_configuration

    from sig.maps.mapserver import register_source

    maps, settings = prepared
    text = maps.mapproxy_config.read_text(encoding="utf-8")
    assert "${" not in text and str(maps.cache_dir) in text
    assert stat.S_IMODE(maps.pg_service.stat().st_mode) == 0o600
    assert stat.S_IMODE(maps.folder.stat().st_mode) == 0o700
    register_source()
    conf = load_configuration(str(maps.mapproxy_config))
    names = set(conf.layers)
    assert {t.id for t in get_registry()} <= names
    coverage = yaml.safe_load(text)["sources"]["equipamentos_src"]["coverage"]
    assert coverage["srs"] == "EPSG:3763" and coverage["bbox"][0] < -77000  # Marinha Grande


def test_prepare_does_not_touch_unchanged_files(prepared):
    maps, settings = prepared
    before = maps.mapproxy_config.stat().st_mtime_ns
    runtime.prepare(settings)
    assert maps.mapproxy_config.stat().st_mtime_ns == before


def test_external_basemaps_are_configuration_only(prepared, monkeypatch):
    from mapproxy.config.loader import load_configuration

    maps, _ = prepared
    assert "openstreetmap" not in maps.mapproxy_config.read_text(encoding="utf-8")
    monkeypatch.setenv("SIG_MAPS_EXTERNAL_BASEMAPS", "1")
    runtime.prepare(load_settings())
    conf = yaml.safe_load(maps.mapproxy_config.read_text(encoding="utf-8"))
    assert {"ortofotos_dgt", "openstreetmap"} <= {layer["name"] for layer in conf["layers"]}
    assert conf["sources"]["ortofotos_dgt_src"]["req"]["url"].startswith("https://")
    load_configuration(str(maps.mapproxy_config))  # valid without contacting anything
