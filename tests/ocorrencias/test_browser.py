"""The Linha Verde end to end in Debian's headless chromium on a phone-size screen, against the
service as deployed (`sig serve`, PostGIS) with a real SMTP sink: a resident reports with a
photo and the device's location → the occurrence is in the triage queue of Leiria only (the
Marinha Grande editor neither lists nor opens it) → a public reply → the status page shows
it and the reporter got the e-mail. Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PIL import Image

from sig.conf import BASE_DIR
from tests.browser import CHROMIUM, CHROMIUM_ARGS, run_sig, wait_for
from tests.conftest import free_port
from tests.ocorrencias.conftest import LEIRIA
from tests.ocorrencias.test_triage import Sink

PORTS = range(8650, 8700)
SMTP_PORTS = range(18300, 18350)
ARTIFACTS = BASE_DIR / "var" / "test-artifacts"
PASSWORD = "Castelo-de-Leiria-2026"
REPORTER = "residente.lv@example.pt"
REPLY = "A equipa de iluminação vai substituir a lâmpada amanhã."
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "pt-PT"}


@pytest.fixture(scope="module")
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(SMTP_PORTS))
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def staff(caop) -> dict[str, str]:
    """An editor of Leiria (1009) and one of Marinha Grande (1010)."""
    suffix = secrets.token_hex(3)
    people = {"1009": f"lv_leiria_{suffix}", "1010": f"lv_marinha_{suffix}"}
    for dico, username in people.items():
        run_sig("user", "add", username, "--role", "editor", "--municipio", dico,
             "--password-stdin", stdin=PASSWORD + "\n")
    return people


@pytest.fixture(scope="module")
def server(caop, smtp_sink):
    """`sig serve` on a port of its own, sending e-mail to the sink."""
    port = free_port(PORTS)
    env = {**os.environ, "SIG_SMTP_HOST": "127.0.0.1", "SIG_SMTP_PORT": str(smtp_sink[1]),
           "SIG_OCORRENCIAS_MIN_FILL_SECONDS": "1", "PYTHONPATH": str(BASE_DIR)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "ocorrencias-server.log").open("w") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "sig"), "serve", "--port", str(port),
             "--workers", "2"], stdout=output, stderr=subprocess.STDOUT, env=env)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", 120)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _context(browser, **extra):
    context = browser.new_context(**PHONE, **extra)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    return context, page


def _photo(tmp_path: Path) -> Path:
    path = tmp_path / "candeeiro.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 90, 160)).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return path


def _report(page, base: str, photo: Path) -> str:
    page.goto(f"{base}/ocorrencias/")
    page.get_by_label("Iluminação pública avariada").check()
    page.get_by_label("Número do poste (se visível)").fill("P-1234")
    page.get_by_role("button", name="Usar a minha localização").click()
    page.wait_for_function("() => document.getElementById('report-map').dataset.placed")
    page.get_by_label("Descrição").fill("Candeeiro apagado em frente ao n.º 12.")
    page.get_by_label("Fotografias (até 3)").set_input_files(str(photo))
    page.get_by_label("Correio eletrónico").fill(REPORTER)
    page.wait_for_timeout(1100)  # the minimum fill time of the server above
    page.screenshot(path=str(ARTIFACTS / "ocorrencias-reportar.png"), full_page=True)
    page.get_by_role("button", name="Enviar ocorrência").click()
    page.wait_for_selector("#report-done:not([hidden])")
    page.screenshot(path=str(ARTIFACTS / "ocorrencias-registada.png"))
    return page.locator("#done-code").inner_text()


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/editor/entrar/?next=/editor/ocorrencias/")
    page.get_by_label("Utilizador").fill(username)
    page.get_by_label("Palavra-passe").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{base}/editor/ocorrencias/")
    page.wait_for_function("() => document.getElementById('fila-estado').textContent"
                           ".includes('ocorrência(s)')")


def test_report_triage_reply_status_page_and_email(server, staff, browser, smtp_sink,
                                                   tmp_path):
    context, page = _context(browser, geolocation={"latitude": LEIRIA[1],
                                                   "longitude": LEIRIA[0]},
                             permissions=["geolocation"])
    code = _report(page, server, _photo(tmp_path))
    assert page.locator("#done-link").get_attribute("href") == f"/ocorrencias/{code}/"
    assert page.problems == []
    context.close()

    context, page = _context(browser)
    _sign_in(page, server, staff["1010"])
    assert page.locator(f'#fila button[data-codigo="{code}"]').count() == 0
    answer = page.request.get(f"{server}/editor/api/ocorrencias/{code}")
    assert answer.status == 404
    context.close()

    context, page = _context(browser)
    _sign_in(page, server, staff["1009"])
    page.locator(f'#fila button[data-codigo="{code}"]').click()
    page.wait_for_function(f"() => document.getElementById('detalhe').dataset.codigo === '{code}'")
    photo = page.locator("#d-fotos img")
    assert photo.count() == 1
    page.wait_for_function("() => document.querySelector('#d-fotos img').naturalWidth > 0")
    assert "P-1234" in page.locator("#d-factos").inner_text()
    assert REPORTER in page.locator("#d-factos").inner_text()  # staff see the contact
    page.get_by_label("Texto").fill(REPLY)
    page.get_by_label("Resposta pública (vai para a página e por correio)").check()
    page.get_by_role("button", name="Juntar").click()
    page.wait_for_function("() => document.getElementById('d-mensagem').textContent"
                           " === 'Resposta publicada.'")
    assert REPLY in page.locator("#d-eventos").inner_text()
    page.screenshot(path=str(ARTIFACTS / "ocorrencias-triagem.png"), full_page=True)
    assert page.problems == []

    page.goto(f"{server}/ocorrencias/{code}/")
    assert REPLY in page.locator(".historico").inner_text()
    assert REPORTER not in page.content()
    context.close()

    sink = smtp_sink[0]
    deadline = time.monotonic() + 10
    while not sink.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    (to, message), = sink.messages
    assert to == [REPORTER]
    assert REPLY in message.get_payload() and f"/ocorrencias/{code}/" in message.get_payload()


def test_keyboard_places_the_point(server, browser):
    context, page = _context(browser)  # the page's first paint: scripts/bench-report-page
    page.goto(f"{server}/ocorrencias/")
    page.locator("#report-map").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    assert page.locator("#lat").input_value() and page.locator("#lon").input_value()
    assert page.locator("#place-status").inner_text().startswith("Local marcado")
    page.get_by_role("button", name="Enviar ocorrência").click()
    assert page.locator('.field-error[data-for="descricao"]').inner_text() == \
        "Descreva a ocorrência."
    assert page.problems == []
    context.close()


def test_the_web_map_shows_the_occurrences_layer(server, browser, caop):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="pt-PT")
    page = context.new_page()
    page.goto(f"{server}/")
    page.wait_for_function("() => Number(document.getElementById('map').dataset.renders) > 0")
    count = ("() => window.sig.map.getLayers().getArray().find((l) => l.get('id') === "
             "'ocorrencias').getSource().getFeatures().length")
    assert page.evaluate(count) == 0  # loaded only when shown
    page.locator("#layer-ocorrencias").check()
    page.wait_for_function(f"() => ({count})() > 0")
    states = page.evaluate("() => window.sig.map.getLayers().getArray().find((l) => "
                           "l.get('id') === 'ocorrencias').getSource().getFeatures()"
                           ".map((f) => Object.keys(f.getProperties()).sort().join(','))")
    assert all("token" not in keys and "email" not in keys for keys in states)
    context.close()
