"""/healthz and /readyz: each check reported, 503 only when a critical one fails."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sig.conf import get_settings
from sig.ops import health


def test_healthz_is_served_by_the_service_urls(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_reports_database_mapserver_and_cache(client, tmp_path, monkeypatch):
    monkeypatch.setattr(health, "get_settings",
                        lambda: replace(get_settings(), cache_dir=tmp_path / "cache"))
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "mapserver", "cache"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["database"]["detail"].startswith("PostgreSQL ")
    assert "MapServer version" in body["checks"]["mapserver"]["detail"]
    assert not list((tmp_path / "cache").iterdir()), "the write probe must not stay behind"


def test_readyz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    dead = "postgresql://sig_app@127.0.0.1:1/sig"
    monkeypatch.setattr(health, "get_settings",
                        lambda: replace(get_settings(), database_url=dead))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    database = body["checks"]["database"]
    assert database["ok"] is False and database["critical"] is True
    assert "não foi possível ligar à base de dados sig_app@127.0.0.1:1/sig" in database["detail"]
    assert body["checks"]["mapserver"]["ok"] is True


def test_missing_mapserver_makes_the_service_unavailable():
    settings = replace(get_settings(), mapserv_bin="mapserv-inexistente")
    result = health.readiness(settings)
    assert not result.ready
    check = {c.name: c for c in result.checks}["mapserver"]
    assert not check.ok and "mapserv-inexistente" in check.detail


def test_missing_mapfile_is_named(tmp_path):
    check = health.check_mapserver(get_settings(), mapfile=tmp_path / "sig.map")
    assert not check.ok and "sig.map" in check.detail and "sig derive" in check.detail


@pytest.mark.parametrize("problem", ["file-in-the-way", "full-disk"])
def test_unwritable_cache_degrades_but_stays_ready(tmp_path, problem, full_tmpfs):
    if problem == "file-in-the-way":
        (tmp_path / "ficheiro").write_text("x")
        cache_dir = tmp_path / "ficheiro" / "cache"
    else:
        cache_dir = full_tmpfs / "cache"
    result = health.readiness(replace(get_settings(), cache_dir=cache_dir, maps_cache="file"))
    assert result.ready and result.status == "degraded"
    cache = {c.name: c for c in result.checks}["cache"]
    assert not cache.ok and not cache.critical
    assert "sem cache" in cache.detail
    if problem == "full-disk":
        assert "No space left on device" in cache.detail
