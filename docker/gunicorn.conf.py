"""Gunicorn settings for the container, read from environment variables.

GUNICORN_WORKERS (default 3) processes, each with GUNICORN_THREADS (default 4) threads;
logs go to stdout/stderr so that `docker compose logs` shows them.
"""

import os


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
# Only nginx reaches the app port, so trust its X-Forwarded-Proto (scheme of OGC links).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
