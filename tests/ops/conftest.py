"""Fixtures of the sig.ops tests: PostgreSQL clusters of their own."""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.conftest import free_port

# --- a PostgreSQL cluster and a gunicorn of the tests' own --------------------------------

ROOT = Path(__file__).resolve().parents[2]
SIG = str(ROOT / ".venv" / "bin" / "sig")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")



@dataclass
class Stack:
    """Own cluster (never the shared one) and a production-mode gunicorn in front of it."""

    folder: Path
    env: dict[str, str]
    http_port: int
    server: subprocess.Popen | None = None
    log_file: BinaryIO | None = None

    def sig(self, *args: str) -> str:
        result = subprocess.run([SIG, *args], env=self.env, capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"sig {' '.join(args)}: {result.stdout}{result.stderr}")
        return result.stdout

    def start_server(self, workers: int = 2, threads: int = 2) -> None:
        self.log_file = log = open(self.folder / "gunicorn.log", "ab")
        self.server = subprocess.Popen(
            [GUNICORN, "--config", str(ROOT / "docker" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.http_port}", "--workers", str(workers),
             "--threads", str(threads), "sig.wsgi:application"],
            env=self.env, cwd=ROOT, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log()[-2000:]}")

    def stop_server(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGINT)  # quick shutdown
            self.server.wait(timeout=30)
        if self.log_file:
            self.log_file.close()

    def get(self, path: str, headers: dict[str, str] | None = None,
            timeout: float = 10) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            conn.close()

    def workers(self) -> set[int]:
        assert self.server is not None
        pid = self.server.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return {int(c) for c in children}

    def log(self) -> str:
        return (self.folder / "gunicorn.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """`sig cluster` in a temp folder on a port of 54400-54499, and the service on 8600-8699,
    in production behind a TLS proxy (requests that say X-Forwarded-Proto: https are secure)."""
    folder = Path(tempfile.mkdtemp(prefix="sig-ops-", dir="/tmp"))
    folder.chmod(0o755)  # the postgres user must reach the data folder
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIG_", "PG"))}
    env |= {"SIG_VAR_DIR": str(folder), "SIG_PG_PORT": str(free_port(range(54400, 54500))),
            "SIG_DB_NAME": "sig_ops_faults", "SIG_ENV": "production", "SIG_TLS_PROXY": "true",
            "SIG_SECRET_KEY": secrets.token_urlsafe(50), "SIG_ALLOWED_HOSTS": "127.0.0.1"}
    result = Stack(folder, env, free_port(range(8600, 8700)))
    try:
        result.sig("cluster", "start")
        result.sig("bootstrap-db")
        result.sig("migrate")
        result.start_server()
        yield result
    finally:
        result.stop_server()
        subprocess.run([SIG, "cluster", "stop"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
