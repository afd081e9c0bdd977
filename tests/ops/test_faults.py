"""Faults against a real gunicorn and a PostgreSQL cluster of the test's own.

The database restarts while requests flow (503 with a clear message in the gap, recovery by
itself within 5 s); a killed worker is replaced; production headers and JSON logs on the way.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass, field

import pytest

from tests.ops.conftest import Stack

# Two paths that need the database: a Django page reading the session through the ORM (an
# unknown session sends the visitor to the login: 302) and the OGC API (its own pool).
ADMIN, OGCAPI = "/admin/", "/ogcapi/collections/municipios/items?limit=1"
NORMAL = {ADMIN: 302, OGCAPI: 200}
SESSION = {"Cookie": "sessionid=0123456789abcdefghijklmnopqrstuv", "X-Forwarded-Proto": "https"}


@dataclass
class Traffic:
    """GET one path in a loop from a thread; each answer kept with the time it arrived."""

    stack: Stack
    path: str
    seen: list[tuple[float, int, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                status, _, body = self.stack.get(self.path, SESSION, timeout=30)
            except OSError as exc:
                status, body = 0, repr(exc)
            self.seen.append((time.monotonic(), status, body))
            time.sleep(0.05)

    def between(self, start: float, end: float = float("inf")) -> list[tuple[float, int, str]]:
        return [s for s in self.seen if start < s[0] < end]

    def recovery(self, up: float) -> float:
        """Seconds from the database's return until every answer is the normal one."""
        normal, after = NORMAL[self.path], self.between(up)
        failures = [t for t, status, _ in after if status != normal]
        stable = [t for t, status, _ in after if status == normal
                  and t > max(failures, default=0)]
        timeline = [(round(t - up, 2), status) for t, status, _ in after if status != normal]
        assert stable, f"{self.path} never recovered: {timeline}"
        return stable[0] - up


def _clear_503(body: str) -> bool:
    """A 503 whose body says, in pt-PT, that the database is away (page or JSON)."""
    return "base de dados" in body and ("ServiceUnavailable" in body or "pt-PT" in body)


def _warm_up(stack: Stack) -> None:
    deadline = time.monotonic() + 60
    while any(stack.get(path, SESSION, timeout=30)[0] != NORMAL[path] for path in NORMAL):
        assert time.monotonic() < deadline, "the service never answered 200"
        time.sleep(0.5)


def _wait_for_answers(*traffics: Traffic, count: int = 3, timeout: float = 60) -> None:
    """Traffic is flowing: each stream has a few answers before the fault (slow machines)."""
    deadline = time.monotonic() + timeout
    while any(len(t.seen) < count for t in traffics):
        assert time.monotonic() < deadline, "no traffic answered before the fault"
        time.sleep(0.1)


def test_database_restart_gives_503_then_recovers_within_5_s(stack):
    _warm_up(stack)
    web, ogcapi = Traffic(stack, ADMIN), Traffic(stack, OGCAPI)
    threads = [threading.Thread(target=t.run, daemon=True) for t in (web, ogcapi)]
    for thread in threads:
        thread.start()
    try:
        _wait_for_answers(web, ogcapi)
        stopping = time.monotonic()
        stack.sig("cluster", "stop")
        down = time.monotonic()
        time.sleep(2)
        ready_status, _, ready_body = stack.get("/readyz")
        starting = time.monotonic()
        stack.sig("cluster", "start")
        up = time.monotonic()
        time.sleep(6)
    finally:
        web.stop.set()
        ogcapi.stop.set()
        for thread in threads:
            thread.join(timeout=40)

    for traffic in (web, ogcapi):
        before = traffic.between(0, stopping)
        assert before and all(s[1] == NORMAL[traffic.path] for s in before), traffic.path
        odd = [(round(t - down, 2), status, body[:200]) for t, status, body in traffic.seen
               if status != NORMAL[traffic.path] and not (status == 503 and _clear_503(body))]
        assert not odd, f"{traffic.path}: only normal answers or a clear 503: {odd}"
        seconds = traffic.recovery(up)
        assert seconds < 5, f"{traffic.path} recovered after {seconds:.1f} s"
    gap = web.between(down, starting)
    assert len(gap) > 5 and all(status == 503 for _, status, _ in gap)
    assert "A base de dados não está a responder" in gap[-1][2]
    assert ready_status == 503
    assert json.loads(ready_body)["checks"]["database"]["ok"] is False
    assert stack.get("/readyz")[0] == 200


def test_a_killed_worker_is_replaced(stack):
    before = stack.workers()
    assert len(before) == 2
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = stack.workers()
        if len(now) == 2 and victim not in now:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"worker {victim} was not replaced: {stack.workers()}")
    assert all(stack.get("/admin/login/")[0] == 200 for _ in range(10))


def test_production_headers_and_json_logs(stack):
    status, headers, _ = stack.get("/admin/login/", headers={"X-Forwarded-Proto": "https",
                                                  "X-Request-ID": "teste-producao-0001"})
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in stack.get("/admin/login/")[1]  # http: no HSTS
    cleartext = stack.get("/admin/", {"Cookie": SESSION["Cookie"]})  # a session over http
    assert cleartext[0] == 403 and "sem cifra" in cleartext[2]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in stack.log().splitlines() if line.startswith("{")]
        mine = [e for e in lines if e.get("request_id") == "teste-producao-0001"]
        if mine:
            break
        time.sleep(0.2)
    assert mine and mine[0]["logger"] == "sig.request" and mine[0]["status"] == 200
    assert mine[0]["duration_ms"] > 0
