"""The editing area in pt-PT (default) and English (`?lang=en`, then the language cookie): the
editor page's texts, the catalogue its script receives, the registry's own labels, and the
API's messages."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def page_config(html: str, element_id: str) -> dict:
    """The JSON configuration a page embeds with `json_script`."""
    start = html.index(f'id="{element_id}"')
    return json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])


def test_the_editor_is_pt_pt_by_default(as_ana):
    html = as_ana.get("/editor/").content.decode()
    assert '<html lang="pt-PT">' in html
    assert "Ferramentas de edição" in html and "Importar ficheiro" in html
    assert 'href="/editor/?lang=en" hreflang="en">English</a>' in html
    config = page_config(html, "sig-editor-config")
    assert config["lang"] == "pt"
    assert config["catalog"].get("Nada por gravar.", "Nada por gravar.") == "Nada por gravar."
    equipamentos = next(t for t in config["themes"] if t["id"] == "equipamentos")
    tipo = next(a for a in equipamentos["attributes"] if a["name"] == "tipo")
    assert {"code": "saude", "label": "Saúde"} in tipo["codes"]


def test_the_editor_in_english(as_ana):
    response = as_ana.get("/editor/?lang=en")
    html = response.content.decode()
    assert '<html lang="en">' in html and "Editing tools" in html and "Import a file" in html
    assert "Ferramentas de edição" not in html
    assert 'href="/editor/?lang=pt" hreflang="pt-PT">Português</a>' in html
    config = page_config(html, "sig-editor-config")
    assert config["lang"] == "en"
    assert config["catalog"]["Nada por gravar."] == "Nothing to save."
    assert config["catalog"]["{n} elementos carregados."] == "{n} features loaded."
    equipamentos = next(t for t in config["themes"] if t["id"] == "equipamentos")
    tipo = next(a for a in equipamentos["attributes"] if a["name"] == "tipo")
    assert {"code": "saude", "label": "Health"} in tipo["codes"]
    # The choice is remembered: the next pages and the API answer in English too.
    assert "What changed since…" in as_ana.get("/editor/alteracoes/").content.decode()
    refused = as_ana.get("/editor/api/collections/equipamentos/items?limit=0").json()
    assert refused["description"] == "limit must be an integer from 1 to 5000"


def test_api_messages_stay_pt_pt_by_default(as_ana):
    refused = as_ana.get("/editor/api/collections/equipamentos/items?limit=0").json()
    assert refused["description"] == "limit tem de ser um inteiro entre 1 e 5000"
    unknown = as_ana.get("/editor/api/collections/nada/items").json()
    assert unknown["description"] == "tema desconhecido: nada"


def test_sign_in_page_in_english(client):
    html = client.get("/editor/entrar/?lang=en").content.decode()
    assert '<html lang="en">' in html and "<h2>Sign in</h2>" in html and "User name" in html
    assert "<h2>Entrar</h2>" in client.get("/editor/entrar/?lang=pt").content.decode()
