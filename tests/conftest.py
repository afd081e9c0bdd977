"""Shared fixtures: the real PostGIS test database (prepared by `make test`), real roles.

`make test` creates the database named by SIG_DB_NAME (sig_test) with roles and migrations;
these fixtures load CAOP and a small demo into it once per session.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from sig.conf import BASE_DIR, get_settings, with_database, with_user

SHARED_DATA = Path(os.environ.get("SIG_TEST_DATA", BASE_DIR.parent / "shared" / "data"))


def shared(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"test data missing: {path} (set SIG_TEST_DATA)")
    return path


@pytest.fixture(scope="session")
def django_db_setup():
    """Use the database `make test` prepared; pytest-django must not create another."""


@pytest.fixture(scope="session")
def caop() -> None:
    from sig.territory.caop import load_caop

    load_caop([str(shared("caop"))])


@pytest.fixture(scope="session")
def demo(caop) -> dict[str, int]:
    from sig.demo import generate

    return generate(scale=0.2, progress=lambda _: None)


def free_port(ports: range) -> int:
    """A loopback port of `ports` that nothing is bound to (each area tests in its own range)."""
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=5, application_name="sig-tests")


@pytest.fixture
def owner() -> Iterator[psycopg.Connection]:
    with _connect(get_settings().database_owner_url) as conn:
        yield conn


@pytest.fixture
def reader() -> Iterator[psycopg.Connection]:
    with _connect(get_settings().database_reader_url) as conn:
        yield conn


@pytest.fixture
def app() -> Iterator[psycopg.Connection]:
    """A connection as sig_app; tests state the app user with `act_as`."""
    with _connect(get_settings().database_url) as conn:
        yield conn


def act_as(conn: psycopg.Connection, user: str, municipios: list[str]) -> None:
    """What the web application does at the start of each write transaction."""
    conn.execute("SELECT set_config('sig.app_user', %s, true), "
                 "set_config('sig.municipios', %s, true)", (user, ",".join(municipios)))


@pytest.fixture(scope="session")
def editor_login() -> Iterator[str]:
    """A personal PostGIS login in editor_1009, as QGIS users get."""
    name = "teste_qgis_1009"
    admin = with_database(get_settings().database_admin_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {name}")
        conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE editor_1009")
    yield name


@pytest.fixture
def editor(editor_login) -> Iterator[psycopg.Connection]:
    with _connect(with_user(get_settings().database_url, editor_login)) as conn:
        yield conn


# --- a small filesystem (a cache disk that is easy to fill) ---------------------------

def fill(folder: Path) -> Path:
    """Fill the filesystem of `folder` to the last byte; returns the filler file."""
    filler = folder / "enchimento"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs (a tile cache disk that is easy to fill)."""
    mount = tmp_path / "disco"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)  # MapProxy may hold files


@pytest.fixture
def full_tmpfs(small_tmpfs: Path) -> Path:
    """A 1 MB tmpfs with its `cache` folder filled to the last byte."""
    (small_tmpfs / "cache").mkdir()
    fill(small_tmpfs / "cache")
    return small_tmpfs
