"""Fixtures of the import tests: DGT grids, a clean theme per test, small files to import."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import psycopg
import pyogrio
import pytest
import shapely

from sig.conf import get_settings
from tests.conftest import shared

TEST_SOURCE = "teste-importacao"


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Settings from other SIG_* values for the duration of a block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


@pytest.fixture(scope="package", autouse=True)
def grids() -> Iterator[str]:
    """The service's grid folder, or the DGT grids of the shared test data if it has none."""
    from sig.grids import grids_folder, missing_grids

    if not missing_grids(grids_folder()):
        yield str(grids_folder())
        return
    with environment(SIG_PROJ_GRIDS_DIR=str(shared("proj-grids"))):
        yield str(grids_folder())


@pytest.fixture
def settings_override() -> Callable:
    return environment


def owner_connection() -> psycopg.Connection:
    return psycopg.connect(get_settings().database_owner_url, autocommit=True)


def delete_source(fonte_prefix: str) -> None:
    """Remove test rows (as the owner; the audit log keeps their history)."""
    from sig.registry import get_registry

    with owner_connection() as conn:
        for theme in get_registry():
            conn.execute(f'DELETE FROM "{theme.table}" WHERE fonte LIKE %s',
                         (fonte_prefix + "%",))


@pytest.fixture
def clean(caop) -> Iterator[str]:
    """A source label for this test; its rows are removed afterwards."""
    delete_source(TEST_SOURCE)
    yield TEST_SOURCE
    delete_source(TEST_SOURCE)


def scalar(sql: str, *params) -> object:
    with owner_connection() as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def run_count() -> int:
    return int(scalar("SELECT count(*) FROM importing_run"))


def theme_count(theme: str, fonte: str | None = None) -> int:
    if fonte is None:
        return int(scalar(f'SELECT count(*) FROM "{theme}"'))
    return int(scalar(f'SELECT count(*) FROM "{theme}" WHERE fonte = %s', fonte))


def inside(dico: str, n: int, spacing: float = 200.0) -> list[shapely.Point]:
    """`n` points well inside a municipality (EPSG:3763), in a row from its centre."""
    with owner_connection() as conn:
        wkb = conn.execute("SELECT ST_AsBinary(ST_PointOnSurface(ST_Buffer(geom, -500))) "
                           "FROM municipio WHERE dico = %s", (dico,)).fetchone()[0]
        centre = shapely.from_wkb(bytes(wkb))
        points = []
        for i in range(n * 4):
            candidate = shapely.Point(centre.x + (i % 20) * spacing, centre.y + (i // 20) * spacing)
            ok = conn.execute("SELECT ST_Covers(ST_Buffer(geom, -100), ST_SetSRID(%s::geometry, "
                              "3763)) FROM municipio WHERE dico = %s",
                              (candidate.wkt, dico)).fetchone()[0]
            if ok:
                points.append(candidate)
            if len(points) == n:
                return points
    raise AssertionError(f"could not place {n} points inside {dico}")


def write(frame: gpd.GeoDataFrame, path: Path, **options) -> Path:
    pyogrio.write_dataframe(frame, path, **options)
    return path


@pytest.fixture(scope="session")
def leiria_points(caop) -> list[shapely.Point]:
    return inside("1009", 12)


def do_import(sources, theme: str, municipios=("1009",), *, user: str = "teste",
              login: str | None = None, **options):
    """Import as the application user `user` acting for `municipios` (or as a login)."""
    from sig.importing.pipeline import Actor, ImportRequest, run_import

    request = ImportRequest([str(s) for s in sources], theme, tuple(municipios), **options)
    return run_import(request, Actor(user, tuple(municipios), login))
