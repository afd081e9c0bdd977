"""The home page is the web map: its configuration lists the municipalities, freguesias and
layers (from the derived layers.json); pt-PT by default, English on request."""

from __future__ import annotations

import json
import re

import pytest

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
    assert '<html lang="pt-PT">' in html and config["texts"]["layers"] == "Camadas"
    assert re.search(r'<script type="module" src="/static/web/dist/map\.js"></script>', html)
    assert "cdn" not in html.lower() and "https://" not in re.sub(
        r'href="https://creativecommons.org[^"]*"', "", html)


@pytest.mark.django_db
def test_english_switch(caop, client):
    html = client.get("/?lang=en").content.decode()
    assert '<html lang="en">' in html and _config(html)["texts"]["layers"] == "Layers"
    assert 'href="/?lang=pt"' in html
