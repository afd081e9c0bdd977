"""Serve the whole service on one port with gunicorn (web map, OGC API, maps, editor, admin)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from sig.wsgi import application

        return application


def serve(port: int, workers: int = 2, host: str = "127.0.0.1") -> int:
    """Run until interrupted (Ctrl-C)."""
    from sig.conf import get_settings

    options = {"bind": f"{host}:{port}", "workers": workers, "threads": 4,
               "worker_class": "gthread", "timeout": 120, "accesslog": "-",
               "graceful_timeout": 10}
    if not get_settings().tls_proxy:  # X-Forwarded-Proto is believed only behind TLS proxies
        options["secure_scheme_headers"] = {}
    _Gunicorn(options).run()
    return 0
