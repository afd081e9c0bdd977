"""The landing page lists the served municipalities and themes."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_home_lists_municipalities_and_themes(caop, client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Castanheira de Pêra (1007)" in html
    assert "Rede viária" in html


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
