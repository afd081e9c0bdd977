"""The home page is the web map: its configuration lists the municipalities, freguesias and
layers (from the derived layers.json); pt-PT by default, English on request."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from sig.tilegrid import PTTM06
from sig.web.mapconfig import LAYERS_JSON


def _config(html: str) -> dict:
    match = re.search(r'<script id="sig-config" type="application/json">(.*?)</script>', html,
                      re.S)
    assert match, "the page embeds its configuration"
    return json.loads(match.group(1))


@pytest.mark.django_db
def test_home_is_the_map_of_all_municipalities_and_themes(caop, client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    config = _config(html)
    names = {m["dico"]: m["nome"] for m in config["municipios"]}
    assert names["1007"] == "Castanheira de Pêra" and len(names) == 10
    assert len(config["freguesias"]) == 73
    assert all(f["municipio"] in names for f in config["freguesias"])
    titles = {layer["title"]["pt"] for layer in config["layers"]}
    assert "Rede viária" in titles
    assert config["layers"] == json.loads(LAYERS_JSON.read_text(encoding="utf-8"))["layers"]
    assert config["tiles"]["vector"].startswith(
        "/ogcapi/collections/{layer}/tiles/WebMercatorQuad/")
    assert '<html lang="pt-PT">' in html and "<h2>Camadas</h2>" in html
    assert config["catalog"] == {}  # pt-PT: the script shows its msgids as written
    assert config["pttm06"]["extent"] == list(PTTM06.bbox)
    assert config["pttm06"]["resolutions"] == list(PTTM06.resolutions)
    assert config["pttm06"]["proj4"].startswith("+proj=tmerc ")
    assert re.search(r'<script type="module" src="/static/web/dist/map\.js"></script>', html)
    assert "cdn" not in html.lower() and "https://" not in re.sub(
        r'href="https://creativecommons.org[^"]*"', "", html)


@pytest.mark.django_db
def test_english_switch(caop, client):
    html = client.get("/?lang=en").content.decode()
    assert '<html lang="en">' in html and "<h2>Layers</h2>" in html
    assert _config(html)["catalog"]["Opacidade"] == "Opacity"
    assert 'href="/?lang=pt"' in html


@pytest.mark.django_db
def test_english_is_remembered_and_the_browser_language_is_not_used(caop, client):
    response = client.get("/?lang=en")
    assert response.cookies["sig_lang"].value == "en" and response["Content-Language"] == "en"
    assert '<html lang="en">' in client.get("/").content.decode()
    assert client.get("/?lang=pt").cookies["sig_lang"].value == "pt"
    browser_in_english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="pt-PT">' in browser_in_english.get("/").content.decode()
