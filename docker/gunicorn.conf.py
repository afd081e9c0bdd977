"""Gunicorn settings for the container, read from environment variables.

GUNICORN_WORKERS (default 3) processes, each with GUNICORN_THREADS (default 4) threads;
logs go to stdout/stderr so that `docker compose logs` shows them. Whether X-Forwarded-Proto
is believed follows SIG_TLS_PROXY (`sig.conf`), as in Django and the maps service.
"""

import os

from sig.conf import get_settings


def _int(name: str, default: int) -> int:
    """Return the integer environment variable `name`, or `default` when unset or empty."""
    return int(os.environ.get(name) or default)


bind = f"0.0.0.0:{_int('SIG_PORT', 8000)}"
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 3)
threads = _int("GUNICORN_THREADS", 4)
# Long exports and cold map tiles may take a while; nginx waits 300 s.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
# Longer than nginx's upstream keepalive_timeout (4 s) so that nginx closes idle connections first.
keepalive = 5
# Recycle workers now and then to bound memory growth (GDAL, MapProxy caches); a worker takes
# seconds to load pygeoapi, MapProxy and MapServer, so not every few thousand requests.
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm"
# X-Forwarded-Proto may say https only behind a TLS-terminating proxy (SIG_TLS_PROXY), else
# any client could claim it; only nginx reaches the app port, so then any address is trusted.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
if not get_settings().tls_proxy:
    secure_scheme_headers: dict[str, str] = {}

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
