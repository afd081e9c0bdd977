"""Browser tests: the whole service under gunicorn (`sig serve`) on a loopback port, and
Debian's headless chromium driven by Playwright. Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from sig.conf import BASE_DIR, get_settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import free_port

PORTS = range(8500, 8600)
ARTIFACTS = BASE_DIR / "var" / "test-artifacts"



def _wait(url: str, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the service did not answer at {url}")


@pytest.fixture(scope="session")
def service(demo) -> Iterator[str]:
    """The service with demo data, as `sig serve` runs it."""
    port = free_port(PORTS)
    env = {**os.environ, "SIG_DB_NAME": get_settings().db_name,
           "PYTHONPATH": str(BASE_DIR), "SIG_PORT": str(port)}
    log = (ARTIFACTS / "service.log")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "sig.cli", "serve", "--port", str(port),
                                    "--workers", "2"], cwd=BASE_DIR, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(f"{base}/healthz", process)
            yield base
        finally:
            process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def until(page, expression: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds} s: {expression}")
        page.wait_for_timeout(100)


class Page:
    """A browser page that records console errors and failed requests."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", self._failed)

    def _failed(self, request) -> None:
        if "ERR_ABORTED" not in (request.failure or ""):  # cancelled by a navigation or a move
            self.errors.append(f"failed: {request.url} ({request.failure})")

    def open(self, path: str, wait_renders: int = 1) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        if wait_renders:
            self.until(f"Number(document.getElementById('map').dataset.renders || 0) "
                       f">= {wait_renders}")

    def until(self, expression: str, seconds: float = 20) -> None:
        """Poll a JavaScript expression (the page's CSP forbids Playwright's eval-based waits)."""
        until(self.page, expression, seconds)

    def shot(self, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def page(browser, service) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="pt-PT",
                                  accept_downloads=True)
    try:
        yield Page(context.new_page(), service)
    finally:
        context.close()
