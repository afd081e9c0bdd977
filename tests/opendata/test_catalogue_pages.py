"""The catalogue pages: every theme with its counts, attributes, code lists, updates per
municipality, lineage, licence and services; pt-PT by default, English on request."""

from __future__ import annotations

import re

import pytest

from sig.registry import get_registry
from tests.conftest import act_as
from tests.opendata.conftest import reader_count

pytestmark = pytest.mark.django_db


def test_index_lists_every_theme_with_its_count(demo, client, reader):
    html = client.get("/dados/").content.decode()
    for theme in get_registry():
        card = re.search(rf'data-theme="{theme.id}".*?<span class="count">(\d+)</span>', html,
                         re.S)
        assert card, theme.id
        assert int(card.group(1)) == reader_count(reader, theme.id)
    assert 'href="/dados/catalogo.jsonld"' in html and "CC BY 4.0" in html
    assert 'lang="pt-PT"' in html


def test_theme_page_documents_the_theme(demo, client, reader):
    html = client.get("/dados/residuos/").content.decode()
    assert "Contentores de resíduos" in html
    assert "<code>capacidade_l</code>" in html and "Capacidade (L)" in html
    assert 'id="lista-fluxo"' in html and "Biorresíduos" in html
    n = reader_count(reader, "residuos", "1007")
    row = re.search(r'data-dico="1007"><td>Castanheira de Pêra \(1007\)</td>'
                    r'<td class="num">(\d+)</td><td><time datetime="([^"]+)"', html)
    assert row and int(row.group(1)) == n
    (last,) = reader.execute(
        "SELECT max(updated_at) FROM residuos WHERE municipio = '1007'").fetchone()
    assert row.group(2)[:19] == last.isoformat()[:19]
    assert "<td>demo</td>" in html  # lineage: the source of the rows
    assert 'href="/dados/residuos/1007.gpkg"' in html
    assert 'href="/dados/residuos/1007.shp.zip?crs=4326"' in html
    assert "/ogcapi/collections/residuos" in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html


def test_theme_page_for_one_municipality_and_in_english(demo, client):
    response = client.get("/dados/equipamentos/?municipio=1010&lang=en")
    html = response.content.decode()
    assert 'lang="en"' in html and "Public facilities" in html and "Education" in html
    assert 'data-area="1010"' in html and 'data-area="1009"' not in html
    assert response.cookies["sig_lang"].value == "en"
    assert 'lang="en"' in client.get("/dados/").content.decode()  # remembered


def test_unknown_theme_or_municipality(demo, client):
    assert client.get("/dados/inexistente/").status_code == 404
    response = client.get("/dados/moradas/?municipio=0000")
    assert response.status_code == 400
    assert "município desconhecido: 0000" in response.content.decode()


def test_lineage_names_the_import_run_behind_the_rows(demo, client, app, reader):
    from sig.importing import runs

    start = runs.RunStart(
        app_user="teste", db_login=None, municipios=["1003"], theme="moradas", fonte="demo",
        files=[{"name": "moradas_ansiao.gpkg", "size": 1, "sha256": "0" * 64}], profile=None,
        profile_sha256=None, crs="EPSG:3763", transformation="", accuracy_m=None,
        helmert=False, options={}, layers=[], messages=[], backend_pid=None)
    with runs.bookkeeping() as log:
        run = runs.create(log, start)
        runs.finish(log, run, "concluida", dict.fromkeys(
            ("read", "inserted", "updated", "unchanged", "quarantined", "deleted", "repaired"), 0),
            [], [])
    (fid,) = reader.execute("SELECT min(id) FROM moradas WHERE municipio = '1003'").fetchone()
    try:
        with app.transaction():
            act_as(app, "teste-linhagem", ["1003"])
            app.execute("UPDATE moradas SET import_run = %s WHERE id = %s", (run, fid))
        html = client.get("/dados/moradas/").content.decode()
        row = re.search(rf'<tr data-run="{run}">(.*?)</tr>', html, re.S)
        assert row, "the run has its own lineage row"
        assert "moradas_ansiao.gpkg" in row.group(1) and "(concluida)" in row.group(1)
        assert '<td class="num">1</td>' in row.group(1)
    finally:
        with app.transaction():
            act_as(app, "teste-linhagem", ["1003"])
            app.execute("UPDATE moradas SET import_run = NULL WHERE id = %s", (fid,))
