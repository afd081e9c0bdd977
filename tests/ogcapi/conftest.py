"""OGC API fixtures: the Django test client, and the whole service (`sig serve`) on a free
loopback port for real clients (GDAL, ogr2ogr, OWSLib, schemathesis)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from sig.conf import BASE_DIR
from tests.conftest import free_port

PORTS = range(8260, 8300)



@dataclass
class Server:
    root: str  # http://127.0.0.1:PORT
    process: subprocess.Popen

    @property
    def api(self) -> str:
        return f"{self.root}/ogcapi"

    def get(self, path: str, headers: dict | None = None, timeout: float = 60
            ) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.api + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, path: str) -> dict:
        status, _, body = self.get(path)
        assert status == 200, body[:500]
        return json.loads(body)


def _wait(server: Server, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"sig serve exited with {server.process.returncode}")
        try:
            if server.get("/conformance", timeout=5)[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"sig serve did not answer on {server.root}")


@pytest.fixture(scope="session")
def server(demo) -> Iterator[Server]:
    """The service, one worker, on 127.0.0.1 (stopped at the end of the session)."""
    port = free_port(PORTS)
    env = dict(os.environ, SIG_PORT=str(port), SIG_LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "sig.cli", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    running = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait(running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def api(demo) -> Client:
    """The Django test client, with the demo data loaded."""
    return Client()


def get_json(client: Client, url: str, status: int = 200, headers: dict | None = None,
             **params: str) -> dict:
    response = client.get(url, params, **(headers or {}))
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)
