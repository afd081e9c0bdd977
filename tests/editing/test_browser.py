"""The web editor in Debian's headless chromium against the real service (gunicorn, PostGIS,
MapProxy/MapServer): sign in, draw a point, fill the form, save, find it in /ogcapi/ and in a
fresh WMTS tile, then try to move it into the neighbouring municipality and see the refusal.
Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from sig.conf import BASE_DIR
from sig.tilegrid import PTTM06
from tests.browser import CHROMIUM, CHROMIUM_ARGS, run_sig, wait_for
from tests.editing.conftest import tag

PORT = 8431
BASE = f"http://127.0.0.1:{PORT}"
ARTIFACTS = BASE_DIR / "var" / "test-artifacts"
USER, PASSWORD = "browser_1009", "Janela-de-Leiria-2026"
TILE_LEVEL = 12
NEIGHBOUR = (-66500.0, 12000.0)  # Marinha Grande (1010), west of the Leiria border


@pytest.fixture(scope="module")
def server(caop):
    """The service as deployed (`sig serve`), on a port of its own, stopped afterwards."""
    run_sig("user", "add", USER, "--role", "editor", "--municipio", "1009", "--password-stdin",
         stdin=PASSWORD + "\n")
    log = (ARTIFACTS / "browser-server.log")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "sig"), "serve", "--port", str(PORT),
             "--workers", "1"], stdout=output, stderr=subprocess.STDOUT, env=os.environ.copy())
        try:
            wait_for(f"{BASE}/healthz", 90)
            yield BASE
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="pt-PT")
        page.problems, page.dialogs = [], []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message),
                                          dialog.accept()))
        yield page
        browser.close()


def free_spot() -> tuple[float, float]:
    """A point inside Leiria with no equipment within 40 m (the tile pixel check needs it)."""
    from sig.db.connect import connect_as

    rng = random.Random()
    with connect_as("reader") as conn:
        for _ in range(200):
            x, y = -57826 + rng.uniform(-3000, 3000), 9015 + rng.uniform(-3000, 3000)
            inside, crowded = conn.execute(
                "SELECT ST_Covers(m.geom, p), EXISTS (SELECT 1 FROM equipamentos e "
                "WHERE ST_DWithin(e.geom, p, 40)) FROM municipio m, "
                "ST_SetSRID(ST_MakePoint(%s, %s), 3763) p WHERE m.dico = '1009'",
                (x, y)).fetchone()
            if inside and not crowded:
                return round(x, 1), round(y, 1)
    raise AssertionError("no free spot found in Leiria")


def tile_alpha(x: float, y: float) -> int:
    """Largest alpha of the WMTS tile of `equipamentos` within 2 px of (x, y)."""
    span = PTTM06.tile_span(TILE_LEVEL)
    col, row = int((x - PTTM06.origin_x) // span), int((PTTM06.origin_y - y) // span)
    url = f"{BASE}/maps/wmts/equipamentos/PTTM06/{TILE_LEVEL:02d}/{col}/{row}.png"
    with urllib.request.urlopen(url, timeout=30) as response:
        image = Image.open(io.BytesIO(response.read())).convert("RGBA")
    resolution = PTTM06.resolutions[TILE_LEVEL]
    px = int((x - (PTTM06.origin_x + col * span)) / resolution)
    py = int(((PTTM06.origin_y - row * span) - y) / resolution)
    return max(image.getpixel((i, j))[3] for i in range(max(px - 2, 0), min(px + 3, 256))
               for j in range(max(py - 2, 0), min(py + 3, 256)))


def map_pixel(page, x: float, y: float) -> tuple[float, float]:
    px = page.evaluate("([x, y]) => window.sigEditor.map.getPixelFromCoordinate([x, y])", [x, y])
    box = page.locator("#mapa").bounding_box()
    return box["x"] + px[0], box["y"] + px[1]


def view(page, x: float, y: float, resolution: float) -> None:
    """Centre the map and wait until it has drawn that view (hit detection needs it)."""
    page.evaluate("""([x, y, r]) => new Promise((done) => {
        const map = window.sigEditor.map;
        map.once("rendercomplete", done);
        map.getView().setCenter([x, y]);
        map.getView().setResolution(r);
        map.render();
    })""", [x, y, resolution])


def sign_in(page) -> None:
    page.goto(f"{BASE}/editor/")
    page.get_by_label("Utilizador").fill(USER)
    page.get_by_label("Palavra-passe").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{BASE}/editor/")


def choose_theme(page, theme: str) -> None:
    page.get_by_label("Tema").select_option(theme)
    page.wait_for_function("() => document.getElementById('estado').textContent"
                           ".includes('elementos carregados')")


def test_draw_save_publish_and_refusal(page):
    x, y = free_spot()
    assert tile_alpha(x, y) == 0  # the tile is now cached without the new point
    sign_in(page)
    choose_theme(page, "equipamentos")
    view(page, x, y, 4)
    page.mouse.move(*map_pixel(page, x, y))
    shown = page.locator("#coordenadas").inner_text()
    assert shown.startswith("E ") and " m · N " in shown
    page.get_by_role("button", name="Desenhar").click()
    page.mouse.click(*map_pixel(page, x, y))
    name = 'Centro <img src=x onerror="alert(1)"> & "Cª"'
    page.get_by_label("Tipo *").select_option("cultura")
    page.get_by_label("Nome *").fill(name)
    page.get_by_role("button", name="Gravar").click()
    page.wait_for_function("() => document.getElementById('estado').textContent"
                           ".includes('gravado')")
    page.screenshot(path=str(ARTIFACTS / "editor-gravado.png"))
    feature_id = page.evaluate("() => window.sigEditor.state.current.feature.getId()")
    # Published by the OGC API, exactly as typed, where it was drawn.
    item = page.request.get(f"{BASE}/ogcapi/collections/equipamentos/items/{feature_id}?f=json")
    assert item.ok and item.json()["properties"]["nome"] == name
    assert item.headers["etag"] == tag(feature_id, 1)  # the same ETag on both paths
    stored = page.request.get(f"{BASE}/ogcapi/collections/equipamentos/items/{feature_id}"
                              "?f=json&crs=http://www.opengis.net/def/crs/EPSG/0/3763")
    saved_at = stored.json()["geometry"]["coordinates"]
    assert saved_at == pytest.approx([x, y], abs=4 * 3)  # a click at 4 m per pixel
    x, y = saved_at
    # A fresh WMTS tile shows it (the edit cleared the cached tile).
    deadline = time.monotonic() + 20
    while tile_alpha(x, y) == 0:
        assert time.monotonic() < deadline, "the cached WMTS tile did not refresh"
        time.sleep(1)
    # Move it into Marinha Grande: refused with the database's reason, nothing changes.
    page.get_by_role("button", name="Mover").click()
    view(page, (x + NEIGHBOUR[0]) / 2, (y + NEIGHBOUR[1]) / 2, 40)
    start, end = map_pixel(page, x, y), map_pixel(page, *NEIGHBOUR)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=5)
    page.mouse.move(*end, steps=5)
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('estado').textContent"
                           ".includes('Geometria alterada')")
    page.get_by_role("button", name="Gravar").click()
    message = page.locator("#mensagem")
    message.wait_for(state="visible")
    page.wait_for_function("() => document.getElementById('mensagem').textContent.length > 0")
    assert "fora do município 1009" in message.inner_text()
    assert "fora do município 1009" in page.locator("#popup").inner_text()
    page.screenshot(path=str(ARTIFACTS / "editor-recusa.png"))
    stored = page.request.get(f"{BASE}/ogcapi/collections/equipamentos/items/{feature_id}"
                              "?f=json&crs=http://www.opengis.net/def/crs/EPSG/0/3763")
    assert stored.json()["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.01)
    # Markup stayed text: shown literally, never run.
    assert page.get_by_label("Nome *").input_value() == name
    assert page.problems == [] and page.dialogs == []
    page.get_by_role("button", name="Cancelar").click()
    response = page.request.delete(
        f"{BASE}/editor/api/collections/equipamentos/items/{feature_id}",
        headers={"If-Match": tag(feature_id, 1), "X-CSRFToken": page.locator(
            'meta[name="csrf-token"]').get_attribute("content")})
    assert response.status == 204


def test_keyboard_only_point_history_and_labels(page):
    sign_in(page)
    choose_theme(page, "equipamentos")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        '.panel input, .panel select, .panel button')].filter(e => e.offsetParent !== null)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                     && !e.textContent.trim()).map(e => e.outerHTML)""")
    assert unlabelled == []
    x, y = free_spot()
    page.keyboard.press("d")
    assert page.get_by_role("button", name="Desenhar").get_attribute("aria-pressed") == "true"
    page.keyboard.press("s")
    page.get_by_text("Ponto por coordenadas (PT-TM06)").click()
    page.get_by_label("E (m)").fill(str(x))
    page.get_by_label("N (m)").fill(str(y))
    page.get_by_label("N (m)").press("Enter")
    page.get_by_label("Tipo *").select_option("saude")
    page.get_by_label("Nome *").fill("Posto pelo teclado")
    page.get_by_label("Nome *").press("Control+s")
    page.wait_for_function("() => document.getElementById('estado').textContent"
                           ".includes('gravado')")
    page.get_by_label("Nome *").fill("Posto renomeado")
    page.get_by_label("Nome *").press("Tab")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => document.getElementById('estado').textContent"
                           ".includes('versão 2')")
    page.get_by_role("button", name="Histórico").click()
    timeline = page.locator("#historico")
    timeline.get_by_text("Posto renomeado").first.wait_for()
    timeline.get_by_role("button", name="Reverter para este estado").first.click()
    page.wait_for_function("() => document.getElementById('estado').textContent"
                           ".includes('revertido')")
    assert page.get_by_label("Nome *").input_value() == "Posto pelo teclado"
    page.screenshot(path=str(ARTIFACTS / "editor-historico.png"))
    page.get_by_label("Nome *").fill("Por gravar")
    page.get_by_label("Nome *").press("Tab")
    page.locator("#mapa").focus()
    page.keyboard.press("Control+z")
    assert page.get_by_label("Nome *").input_value() == "Posto pelo teclado"
    feature_id = page.evaluate("() => window.sigEditor.state.current.feature.getId()")
    page.keyboard.press("Escape")
    page.locator("#mapa").focus()
    page.keyboard.press("Delete")
    page.wait_for_function("() => document.getElementById('estado').textContent"
                           ".includes('eliminado')")
    assert page.dialogs[0].startswith(f"Reverter o elemento {feature_id} ")
    assert page.dialogs[1] == f"Eliminar o elemento {feature_id}?"
    assert page.problems == []


def test_upload_shows_progress_summary_and_quarantine(page, tmp_path):
    source = tmp_path / "equipamentos_browser.geojson"
    x, y = free_spot()
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "b1", "properties": {"tipo": "cultura", "nome": "Enviado"},
         "geometry": {"type": "Point", "coordinates": [x, y]}},
        {"type": "Feature", "id": "b2", "properties": {"tipo": "cultura", "nome": "Fora"},
         "geometry": {"type": "Point", "coordinates": list(NEIGHBOUR)}}],
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3763"}}}))
    sign_in(page)
    choose_theme(page, "equipamentos")
    page.get_by_label("Ficheiro (GeoPackage, Shapefile em ZIP, GeoJSON, CSV, XLSX)") \
        .set_input_files(str(source))
    page.get_by_role("button", name="Importar para o tema e município escolhidos").click()
    status = page.locator("#importar-estado")
    status.get_by_text("Importação concluída").wait_for(timeout=90_000)
    assert "inseridos 1" in status.inner_text() and "em quarentena 1" in status.inner_text()
    link = status.get_by_role("link", name="Descarregar a quarentena")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".gpkg")
    page.screenshot(path=str(ARTIFACTS / "editor-importacao.png"))
    assert page.problems == []
    from sig.db.connect import connect_as

    with connect_as("owner") as conn:
        deleted = conn.execute("DELETE FROM equipamentos WHERE nome = 'Enviado' AND "
                               "fonte LIKE %s", ("%equipamentos_browser%",)).rowcount
    assert deleted == 1


def test_the_editor_in_english_and_back(page):
    sign_in(page)
    page.goto(f"{BASE}/editor/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Theme").select_option("equipamentos")
    status = "() => document.getElementById('estado').textContent"
    page.wait_for_function(f"{status}.includes('features loaded')")
    page.get_by_role("button", name="Delete", exact=True).click()
    page.wait_for_function(f"{status} === 'Select a feature you may edit.'")
    page.get_by_role("link", name="Português").click()
    page.wait_for_function(f"{status}.includes('elementos carregados')")
    assert page.locator("html").get_attribute("lang") == "pt-PT"
    assert page.problems == []
