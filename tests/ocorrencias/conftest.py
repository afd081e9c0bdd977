"""Fixtures of the occurrences tests: points inside and outside the region, staff of two
municipalities, and reports made through the domain functions (as sig_app)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sig.editing.accounts import Actor
from tests.editing.conftest import make_user, quick_password_hashing  # noqa: F401 (fixture)

# Leiria castle and the centre of Marinha Grande, WGS84 lon/lat.
LEIRIA = (-8.8078, 39.7475)
MARINHA = (-8.9314, 39.7485)
# Lisbon and Coimbra: outside the served municipalities.
LISBOA = (-9.1393, 38.7223)
COIMBRA = (-8.4292, 40.2033)


@pytest.fixture
def ana(caop, db) -> Actor:
    """Staff of Leiria (1009)."""
    return make_user("ana.oc", "editor", ("1009",))


@pytest.fixture
def marta(caop, db) -> Actor:
    """Staff of Marinha Grande (1010)."""
    return make_user("marta.oc", "editor", ("1010",))


@pytest.fixture
def cimrl(caop, db) -> Actor:
    """A CIMRL administrator."""
    return make_user("admin.oc", "admin")


def jpeg(width: int = 800, height: int = 600, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (40, 120, 60))
    image.save(out, "JPEG", quality=90, **({"exif": exif} if exif else {}))
    return out.getvalue()


def report_data(where=LEIRIA, **fields) -> dict:
    """The fields of a valid report."""
    lon, lat = where
    return {"categoria": "iluminacao", "lon": lon, "lat": lat,
            "descricao": "Candeeiro apagado há três noites"} | fields


@pytest.fixture
def new_report(caop, db):
    """Make a report through the domain functions; returns its Created."""
    from sig.ocorrencias import reports

    def make(where=LEIRIA, photos=(), **fields):
        return reports.create(reports.parse_report(report_data(where, **fields)), list(photos))
    return make


@pytest.fixture
def sig_env():
    """Set SIG_* variables for one test (settings are read again), restored afterwards."""
    import os

    from sig.conf import get_settings

    saved: dict[str, str | None] = {}

    def set_env(**values: str) -> None:
        for name, value in values.items():
            saved.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        get_settings.cache_clear()
    yield set_env
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def fresh_limits():
    """Each test starts with the report limits of its client address and contacts at zero."""
    from sig.ops import ratelimit

    def reset():
        with ratelimit._get_pool().connection() as conn:
            conn.execute("DELETE FROM ops_ratelimit WHERE key LIKE 'ocorrencias-%' "
                         "OR key LIKE 'open311-%'")
    reset()
    yield reset


def stored() -> tuple[int, int]:
    """Occurrences and photos stored, seen from the test's own transaction (the Django
    connection, as sig_app: the photos through a savepoint stating every municipality)."""
    from django.db import connection

    from sig.conf import get_settings

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ocorrencia_publica")
        occurrences = cursor.fetchone()[0]
        cursor.execute("SAVEPOINT contar")
        cursor.execute("SELECT set_config('sig.municipios', %s, true)",
                       [",".join(get_settings().municipios)])
        cursor.execute("SELECT count(*) FROM ocorrencia_foto")
        photos = cursor.fetchone()[0]
        cursor.execute("ROLLBACK TO SAVEPOINT contar")
    return occurrences, photos


def filled_form_token() -> str:
    """A form token issued long enough ago to pass the minimum fill time."""
    import time

    from sig.ocorrencias.abuse import form_token

    return form_token(time.time() - 30)
