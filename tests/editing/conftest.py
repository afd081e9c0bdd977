"""Fixtures of the editing tests: people with roles, created through the domain functions."""

from __future__ import annotations

import json
import time

import pytest

from sig.editing.accounts import Actor, actor_for, add_user, get_user

POINT_1009 = (-57826.0, 9015.0)  # Leiria castle, EPSG:3763
POINT_1009_B = (-57500.0, 9300.0)
POINT_1010 = (-70986.0, 13835.0)  # Marinha Grande
CASTLE_CRS84 = (-8.8078, 39.7475)  # the same castle in lon/lat
CASTLE_PTTM06 = (-57826.420, 9015.829)

PASSWORD = "Leiria-castelo-2026"


def tag(pk: int, version: int) -> str:
    """The ETag of version `version` of feature `pk`."""
    return f'"{pk}-{version}"'


def point(xy: tuple[float, float]) -> dict:
    return {"type": "Point", "coordinates": list(xy)}


def equipamento(xy=POINT_1009, **properties) -> dict:
    props = {"tipo": "cultura", "nome": "Museu de teste"} | properties
    return {"type": "Feature", "geometry": point(xy), "properties": props}


def make_user(username: str, role: str, municipios: tuple[str, ...] = ()) -> Actor:
    add_user(username, role, municipios, password=PASSWORD)
    return actor_for(get_user(username))


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """People made inside tests need no slow hashing (the browser tests use the real one)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ana(caop, db) -> Actor:
    """An editor of Leiria (1009)."""
    return make_user("ana", "editor", ("1009",))


@pytest.fixture
def rui(caop, db) -> Actor:
    """Another editor of Leiria (1009)."""
    return make_user("rui", "editor", ("1009",))


@pytest.fixture
def marta(caop, db) -> Actor:
    """An editor of Marinha Grande (1010)."""
    return make_user("marta", "editor", ("1010",))


@pytest.fixture
def vitor(caop, db) -> Actor:
    """A viewer."""
    return make_user("vitor", "viewer")


EDITOR_API = "/editor/api/collections"


def send(client, method: str, path: str, body=None, **headers):
    """A JSON request through the Django test client."""
    data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
    return client.generic(method, path, data=data or "", content_type="application/geo+json",
                          headers=headers)


@pytest.fixture
def as_ana(client, ana):
    client.force_login(get_user("ana"))
    return client


def wait_for_job(client, url: str, seconds: float = 90) -> dict:
    """Poll an upload's status page until the import has finished."""
    deadline = time.monotonic() + seconds
    while True:
        status = client.get(url).json()
        if status["terminado"]:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.3)
