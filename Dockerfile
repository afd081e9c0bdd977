# Production image of the SIG Intermunicipal da Região de Leiria:
# Django + pygeoapi + MapProxy under gunicorn, MapServer 8 and GDAL from Debian.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim
ARG UV_VERSION=0.13.8

# --- Front-end libraries from npm (skipped while the repo has no package.json) ---
FROM ${NODE_IMAGE} AS frontend
WORKDIR /src
# pyproject.toml always exists, so this COPY succeeds when package*.json do not.
COPY pyproject.toml package*.json ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund; fi \
 && mkdir -p node_modules

# --- Python environment from uv.lock into /app/.venv ---
FROM ${PYTHON_IMAGE} AS python-deps
ARG UV_VERSION
ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first (cached layer), then the project itself.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev

# --- Runtime ---
FROM ${PYTHON_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# MapServer 8 (mapserv for MapProxy), GDAL/GEOS/PROJ shared libraries for GeoDjango
# (dependencies of gdal-bin), fonts for map labels, libpq for PostgreSQL clients.
# Versions follow Debian stable (security updates), hence not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        mapserver-bin cgi-mapserver gdal-bin proj-bin fonts-dejavu-core libpq5 \
 && rm -rf /var/lib/apt/lists/*

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=sig.settings \
    SIG_PORT=8000 \
    SIG_CACHE_DIR=/var/cache/sig \
    SIG_PROJ_GRIDS_DIR=/srv/sig/proj-grids \
    SIG_MAPSERVER_CONFIG=/app/mapserver/mapserver.conf \
    MAPSERVER_CONFIG_FILE=/app/mapserver/mapserver.conf

RUN groupadd --system --gid 10001 sig \
 && useradd --system --uid 10001 --gid sig --create-home --home-dir /home/sig \
        --shell /usr/sbin/nologin sig

WORKDIR /app
COPY --from=python-deps /app /app
COPY --from=frontend /src/node_modules /app/node_modules

# Static files are collected at build time (whitenoise serves them). The settings need
# a key and database URLs to load: throw-away values that exist only in this step.
RUN SIG_SECRET_KEY=collectstatic-build-only \
    SIG_ALLOWED_HOSTS=localhost \
    SIG_DATABASE_URL=postgresql://build@localhost/build \
    SIG_DATABASE_OWNER_URL=postgresql://build@localhost/build \
    SIG_DATABASE_READER_URL=postgresql://build@localhost/build \
    python -m django collectstatic --noinput \
 && mkdir -p "$SIG_CACHE_DIR" "$SIG_PROJ_GRIDS_DIR" \
 && chown sig:sig "$SIG_CACHE_DIR"

# Production mode from here on: unsafe settings refuse to start (see docs/operations.md).
ENV SIG_ENV=production

# The code stays owned by root: the app user (sig, 10001) writes only to the tile cache and /tmp.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('SIG_ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', 'localhost'); r.urlopen(r.Request('http://127.0.0.1:' + os.environ['SIG_PORT'] + '/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=5)"]

ENTRYPOINT ["/bin/sh", "/app/docker/entrypoint.sh"]
CMD ["gunicorn", "--config", "/app/docker/gunicorn.conf.py", "sig.wsgi:application"]
