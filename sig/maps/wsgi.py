"""The maps service as WSGI: MapProxy at /maps/ beside Django, one service on one port.

At start each service process writes the runtime files, starts its MapServer pool and the
tile-freshness thread, and builds MapProxy (reloaded when the runtime configuration file
changes, e.g. after a raster import), rendering without storing tiles while the cache cannot
be written (`sig.maps.fallback`). Every request under /maps passes the guard
(`sig.maps.guard.Guard`) first, whether the service started or not; WMS GetFeatureInfo in
HTML is answered from MapServer's JSON (`sig.maps.featureinfo`).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sig.conf import get_settings
from sig.maps import featureinfo, guard, mapserver, runtime
from sig.maps.fallback import UncachedFallback
from sig.maps.fasttiles import FastTiles
from sig.maps.freshness import FreshnessWorker

log = logging.getLogger("sig.maps")

PREFIX = "/maps"


class MapsApp:
    """WSGI application of /maps (PATH_INFO relative to the prefix), behind the guard."""

    def __init__(self, mapproxy_app, config: Path):
        self.mapproxy = mapproxy_app
        self.catalogue = guard.CatalogueFile(config)
        self.cached = FastTiles(config)

    def __call__(self, environ, start_response):
        answer = self.cached(environ, start_response)
        if answer is not None:
            return answer
        if environ.get("PATH_INFO") == "/service" and featureinfo.wants_html(environ):
            return featureinfo.as_html(self._safe, environ, start_response)
        return self._safe(environ, start_response)

    def _safe(self, environ, start_response):
        try:
            return self._mapproxy(environ, start_response)
        except Exception:  # MapProxy answers errors itself; this is the last line
            log.exception("erro inesperado em %s", environ.get("PATH_INFO"))
            return guard.exception_response(
                "NoApplicableCode", "erro interno do serviço de mapas",
                status="500 Internal Server Error")(environ, start_response)

    def _mapproxy(self, environ, start_response):
        """MapProxy, with status 400 on its exceptions that name a client error."""
        body, error = guard.call_holding_server_error(self.mapproxy, environ, start_response)
        if error is None:
            return body
        status, headers, content = error
        start_response(guard.input_error_status(status, content), headers)
        return [content]


class Unavailable:
    """/maps while the maps service could not start: an OGC exception, not a crash."""

    def __init__(self, reason: str):
        self.reason = reason

    def __call__(self, environ, start_response):
        return guard.exception_response(
            "NoApplicableCode", f"o serviço de mapas não está disponível: {self.reason}",
            status="503 Service Unavailable")(environ, start_response)


class Service:
    """The per-process maps service: runtime files, MapServer pool, freshness, MapProxy."""

    def __init__(self):
        self.settings = get_settings()
        self.pool: mapserver.MapServerPool | None = None
        self.worker: FreshnessWorker | None = None
        self._lock = threading.Lock()

    def start(self):
        from mapproxy.wsgiapp import make_wsgi_app

        maps = runtime.prepare(self.settings)
        env = maps.mapserver_env()
        if self.settings.mapserver_processes > 0:
            self.pool = mapserver.MapServerPool(maps.mapserv_bin, env,
                                                self.settings.mapserver_processes).start()
        mapserver.configure(mapserver.MapServerRunner(maps.mapserv_bin, env, self.pool))
        mapserver.register_source()
        self.worker = FreshnessWorker(maps.mapproxy_config, on_config=self.reconfigure)
        self.worker.start()
        atexit.register(self.stop)
        mapproxy = UncachedFallback(
            make_wsgi_app(str(maps.mapproxy_config), reloader=True),
            lambda: make_wsgi_app(str(maps.uncached_mapproxy_config), reloader=True),
            maps.cache_dir)
        return MapsApp(mapproxy, maps.mapproxy_config)

    def reconfigure(self, reason: str = "") -> None:
        """Rewrite the runtime files (MapProxy reloads if they changed)."""
        with self._lock:
            runtime.prepare(self.settings)
        log.info("configuração dos mapas atualizada (%s)", reason or "pedido")

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.pool is not None:
            self.pool.stop()


def build() -> guard.Guard:
    """The guarded /maps application of this process (503s if the service cannot start)."""
    try:
        maps = Service().start()
    except Exception as exc:
        log.exception("o serviço de mapas não arrancou")
        return guard.Guard(Unavailable(str(exc)), None)
    return guard.Guard(maps, maps.catalogue)


def mount(django_app: Callable, maps_app: guard.Guard | None = None) -> Callable:
    """One WSGI application: every /maps… path to the guarded maps service, everything else
    to Django."""
    maps = maps_app if maps_app is not None else build()

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX
            environ["PATH_INFO"] = path[len(PREFIX):]
            return maps(environ, start_response)
        return django_app(environ, start_response)

    return application
