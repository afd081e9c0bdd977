"""The triage page (`/editor/ocorrencias/`) in pt-PT (default) and English (`?lang=en`): the
template's texts, the script's catalogue, the labels of states and categories, and the triage
API's messages."""

from __future__ import annotations

import json

import pytest

from sig.editing.accounts import get_user

pytestmark = pytest.mark.django_db

PAGE = "/editor/ocorrencias/"


def page_config(html: str) -> dict:
    start = html.index('id="sig-triage-config"')
    return json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])


@pytest.fixture
def as_staff(client, ana):
    client.force_login(get_user("ana.oc"))
    return client


def test_the_triage_page_is_pt_pt_by_default(as_staff):
    html = as_staff.get(PAGE).content.decode()
    assert '<html lang="pt-PT">' in html and "Estado e atribuição" in html
    assert "Só atrasadas" in html and '<option value="em_analise">Em análise</option>' in html
    config = page_config(html)
    assert config["lang"] == "pt" and config["estados"]["nova"] == "Nova"
    assert config["catalog"].get("Gravado.", "Gravado.") == "Gravado."
    assert {"codigo": "iluminacao", "titulo": "Iluminação pública avariada"} in config["categorias"]


def test_the_triage_page_in_english(as_staff):
    html = as_staff.get(f"{PAGE}?lang=en").content.decode()
    assert '<html lang="en">' in html and "State and assignment" in html
    assert "Overdue only" in html and '<option value="em_analise">Under review</option>' in html
    assert "Estado e atribuição" not in html
    assert f'href="{PAGE}?lang=pt" hreflang="pt-PT">Português</a>' in html
    config = page_config(html)
    assert config["lang"] == "en" and config["estados"]["nova"] == "New"
    assert config["catalog"]["Gravado."] == "Saved."
    assert config["catalog"]["{n} ocorrência(s)"] == "{n} occurrence(s)"
    assert {"codigo": "iluminacao", "titulo": "Street-light fault"} in config["categorias"]
    unknown = as_staff.get("/editor/api/ocorrencias/LV-0000-0000").json()
    assert unknown["description"].startswith("occurrence LV-0000-0000 is unknown")
