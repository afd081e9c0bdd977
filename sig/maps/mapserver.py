"""MapServer behind MapProxy: long-lived FastCGI `mapserv` processes, or one process per call.

Starting `mapserv` costs about 0.2 s per call, as much as drawing a metatile, so each service
process keeps a small pool of `mapserv` processes in FastCGI mode on a private Unix socket
(abstract namespace: no file, gone with the process). A supervisor thread restarts any that
exit; the kernel kills them when their parent goes (`setpriv --pdeathsig`). Without a pool
(`SIG_MAPSERVER_PROCESSES=0`, or while it starts) each call runs `mapserv` as a CGI program.

MapProxy's `mapserver` source type is re-registered so that it calls this runner instead of
its own CGI client; `mapproxy.yaml` keeps the standard source type.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import threading
import uuid
from io import BytesIO
from urllib.parse import urlsplit

from sig.maps import fastcgi

log = logging.getLogger("sig.maps.mapserver")

# Longest a single MapServer call may take (seconds) before it is abandoned.
RENDER_TIMEOUT = 60.0
CGI_PARAMS = {"REQUEST_METHOD": "GET", "GATEWAY_INTERFACE": "CGI/1.1",
              "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.0",
              "SCRIPT_NAME": "/mapserv", "SERVER_SOFTWARE": "sig"}


class MapServerError(Exception):
    """MapServer could not answer."""


class MapServerPool:
    """`processes` FastCGI `mapserv` processes accepting on one listening socket."""

    def __init__(self, binary: str, env: dict[str, str], processes: int):
        self.binary = binary
        self.env = env
        self.processes = processes
        self.address = f"\0sig-mapserver-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._socket: socket.socket | None = None
        self._children: list[subprocess.Popen | None] = [None] * processes
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._stop.is_set()

    def start(self, wait: float = 5.0) -> MapServerPool:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.address)
        listener.listen(128)
        self._socket = listener
        self._thread = threading.Thread(target=self._supervise, name="sig-mapserver",
                                        daemon=True)
        self._thread.start()
        self._ready.wait(wait)
        return self

    def _command(self) -> list[str]:
        setpriv = shutil.which("setpriv")
        return [setpriv, "--pdeathsig", "KILL", self.binary] if setpriv else [self.binary]

    def _spawn(self) -> subprocess.Popen:
        assert self._socket is not None
        return subprocess.Popen(self._command(), stdin=self._socket.fileno(), env=self.env,
                                stdout=subprocess.DEVNULL, close_fds=True)

    def _respawn_dead(self) -> None:
        for index, child in enumerate(self._children):
            if child is not None and child.poll() is None:
                continue
            if child is not None:
                log.warning("mapserv terminou (código %s); a reiniciar", child.returncode)
            self._children[index] = self._spawn()

    def _supervise(self) -> None:
        """Runs in its own long-lived thread (the parent the kernel watches)."""
        try:
            while not self._stop.is_set():
                self._respawn_dead()
                self._ready.set()
                self._stop.wait(1.0)
        except Exception:  # a supervisor must not die silently
            log.exception("o supervisor do MapServer falhou")
        finally:
            self._ready.clear()
            self._kill_children()

    def _kill_children(self) -> None:
        for child in self._children:
            if child is not None and child.poll() is None:
                child.kill()
                child.wait(5)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        if self._socket is not None:
            self._socket.close()

    def pids(self) -> list[int]:
        return [child.pid for child in self._children if child is not None]


class MapServerRunner:
    """Runs one MapServer request (a query string): through the pool when it is up."""

    def __init__(self, binary: str, env: dict[str, str], pool: MapServerPool | None = None,
                 timeout: float = RENDER_TIMEOUT):
        self.binary = binary
        self.env = env
        self.pool = pool
        self.timeout = timeout

    def run(self, query: str) -> fastcgi.CGIResponse:
        params = {**CGI_PARAMS, **self.env, "QUERY_STRING": query}
        if self.pool is not None and self.pool.ready:
            for _attempt in range(2):  # a process may have died between accept and answer
                try:
                    return fastcgi.call(self.pool.address, params, self.timeout)
                except fastcgi.FastCGIError as exc:
                    log.warning("%s", exc)
        return self._run_cgi(params)

    def _run_cgi(self, params: dict[str, str]) -> fastcgi.CGIResponse:
        environ = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **params}
        try:
            done = subprocess.run([self.binary], env=environ, capture_output=True,
                                  timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MapServerError(f"o MapServer não respondeu: {exc}") from exc
        return fastcgi.parse_cgi(done.stdout, done.stderr)


class _Response:
    """What MapProxy's WMS clients read: `headers` and a file-like body."""

    def __init__(self, answer: fastcgi.CGIResponse):
        self.headers = answer.headers
        self._body = BytesIO(answer.body)

    def read(self, size: int = -1) -> bytes:
        return self._body.read(size)

    def __getattr__(self, name):
        return getattr(self._body, name)


class MapServerClient:
    """MapProxy's HTTP-client interface (`open`, `open_image`) over this process's runner."""

    def open(self, url: str, data=None) -> _Response:
        from mapproxy.client.http import HTTPClientError

        try:
            answer = current_runner().run(urlsplit(url).query)
        except MapServerError as exc:
            raise HTTPClientError(str(exc)) from exc
        if answer.stderr.strip():
            log.warning("MapServer: %s", answer.stderr.decode("utf-8", "replace").strip())
        return _Response(answer)

    def open_image(self, url: str, data=None):
        from mapproxy.client.http import HTTPClientError
        from mapproxy.image import ImageResult

        response = self.open(url, data)
        content_type = response.headers.get("Content-type", "")
        if not content_type.startswith("image"):
            raise HTTPClientError(f"o MapServer não devolveu uma imagem: {response.read(500)!r}")
        return ImageResult(response)


_runner: MapServerRunner | None = None
_lock = threading.Lock()


def configure(runner: MapServerRunner | None) -> None:
    """Set the runner of this process (the service, `sig seed`); None: the default."""
    global _runner
    with _lock:
        _runner = runner


def current_runner() -> MapServerRunner:
    """The configured runner; by default one `mapserv` process per call."""
    global _runner
    with _lock:
        if _runner is None:
            from sig.maps.runtime import runtime_for

            maps = runtime_for()
            _runner = MapServerRunner(maps.mapserv_bin, maps.mapserver_env())
        return _runner


def register_source() -> None:
    """Make MapProxy's `mapserver` sources call this module's runner."""
    from mapproxy.config.configuration.source import (
        MapServerSourceConfiguration,
        register_source_configuration,
    )

    class SigMapServerSource(MapServerSourceConfiguration):
        def http_client(self, url):
            return MapServerClient(), url

    register_source_configuration("mapserver", SigMapServerSource)
