"""Typed settings: the only module that reads the environment.

Every option has a default and a comment. Django settings, the console command and the
derived-file generators all read from `get_settings()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent

# The ten municipalities of the Comunidade Intermunicipal da Região de Leiria (DICO codes).
CIMRL_MUNICIPIOS = ("1002", "1003", "1004", "1007", "1008", "1009", "1010", "1013", "1015", "1016")

DB_ROLES = ("app", "importer", "owner", "reader")

# DGT's CAOP OGC API: the base of its `municipios` and `freguesias` collections.
DGT_CAOP_URL = "https://ogcapi.dgterritorio.gov.pt/collections"
# The CAOP extract the project ships (CIMRL municipalities and freguesias, EPSG:3763).
EMBEDDED_CAOP = BASE_DIR / "data" / "caop" / "caop-cimrl.gpkg"

# Content-Security-Policy of the service: scripts only from its own files (no inline scripts).
DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
               "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
               "form-action 'self'; frame-ancestors 'self'")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def with_user(url: str, user: str, password: str | None = None) -> str:
    """Return `url` with its user (and password) replaced."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:{password}@{host}" if password else f"{user}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def with_database(url: str, dbname: str) -> str:
    """Return `url` pointing at another database of the same cluster."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


@dataclass(frozen=True)
class Settings:
    """Deployment settings, read once from SIG_* environment variables."""

    # Port of the project's own PostgreSQL cluster (used when SIG_DATABASE_URL is not set).
    pg_port: int = 54329
    # Name of the database inside the cluster.
    db_name: str = "sig"
    # Connection of the web application (role sig_app, no BYPASSRLS).
    database_url: str = ""
    # Connection of imports: staging tables, then writes through the rules (role
    # sig_importer; the `sig import` command and the upload worker, never a request).
    database_importer_url: str = ""
    # Connection used by migrations and bulk loads (role sig_owner); not needed by the
    # running service.
    database_owner_url: str = ""
    # Read-only connection for the OGC API read path and MapServer (role sig_reader).
    database_reader_url: str = ""
    # Superuser connection, only for `sig bootstrap-db` (roles, database, extensions).
    database_admin_url: str = ""
    # Which role Django connects as in this process: app, owner or reader.
    database_role: str = "app"
    # Municipalities served (DICO codes). Another CIM only changes this list.
    municipios: tuple[str, ...] = CIMRL_MUNICIPIOS
    # Tolerance (metres) for "feature inside its municipality" against simplified CAOP.
    boundary_tolerance_m: float = 50.0
    # Base URL of the CAOP OGC API collections read by `sig load-caop` (official source).
    caop_url: str = DGT_CAOP_URL
    # CAOP used by `sig load-caop` when the official source cannot be read (no network): a
    # file or folder; default: the extract the project ships.
    caop_fallback: Path = EMBEDDED_CAOP
    # Folder with DGT datum grids (pt_dgt_*.tif); empty: PROJ's own search path only.
    proj_grids_dir: str = ""
    # Largest file `sig import` accepts, in MB (for a zip: the zip itself).
    import_max_file_mb: int = 1024
    # Largest total size a zip (also a .kmz or .xlsx) may expand to during an import, in MB.
    import_max_unzipped_mb: int = 2048
    # Most entries a zip (also a .kmz or .xlsx) may hold.
    import_max_zip_members: int = 10_000
    # Highest compression ratio (expanded / compressed) of a zip entry over 1 MB: a higher one
    # is taken for a decompression bomb.
    import_max_zip_ratio: int = 200
    # Memory (address space) an import may take beyond its loaded program, in MB; past it the
    # import process (web upload worker, `sig import`) stops, not the service. 0: no limit.
    import_max_memory_mb: int = 2048
    # CPU time of an import process, in seconds (a web upload's process may also run three
    # times as long on the clock); 0: no limit.
    import_max_cpu_seconds: int = 3600
    # Imports running at once in the whole service (web uploads), each in its own process.
    import_max_running: int = 2
    # Web uploads of one person waiting or running at once; more get HTTP 429.
    import_max_per_user: int = 2
    # Web uploads waiting for a free slot in one service process; more get HTTP 503.
    import_queue_size: int = 20
    # Folder of import mapping profiles (<DICO>/<theme>.yml).
    import_profiles_dir: Path = field(default_factory=lambda: BASE_DIR / "data" / "profiles")
    # Folder for tile caches and other runtime files.
    var_dir: Path = field(default_factory=lambda: BASE_DIR / "var")
    # HTTP port of the service.
    port: int = 8000
    # Django secret key; the default is refused when debug is off.
    secret_key: str = "insecure-development-key"
    # Django debug mode (default: on in development, off in production).
    debug: bool = True
    # Host names the service answers to.
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    # Public base URL (used in generated documents); empty: derived from the request.
    public_url: str = ""
    # Deployment kind: "development" or "production" (production refuses unsafe settings).
    env: str = "development"
    # Log lines as "plain" text or "json" (one JSON object per line); production default: json.
    log_format: str = "plain"
    # Level of the service's own loggers (DEBUG, INFO, WARNING, ERROR).
    log_level: str = "INFO"
    # Reverse proxies in front of the service whose X-Forwarded-* headers are trusted (nginx: 1).
    proxy_count: int = 0
    # HTTPS only: redirect http to https and mark cookies secure (once TLS is set up in front).
    https_only: bool = False
    # A TLS-terminating proxy is in front and sets X-Forwarded-Proto: only then is that header
    # trusted to say a request came over HTTPS (production refuses credentials over plain HTTP).
    tls_proxy: bool = False
    # HSTS max-age (seconds) sent on HTTPS responses in production; 0 turns HSTS off.
    hsts_seconds: int = 31_536_000
    # Content-Security-Policy header of every response that does not set its own.
    csp: str = DEFAULT_CSP
    # Largest request body in MB, uploads included; larger requests get 413.
    max_upload_mb: int = 200
    # Largest non-file request body (JSON, form fields) read into memory, in MB.
    max_body_mb: int = 10
    # Failed logins allowed per user name: "N/period" (period in s, m or h).
    login_rate: str = "10/10m"
    # Failed logins allowed per client address (any user name): "N/period".
    login_ip_rate: str = "50/10m"
    # API requests per token: "N/period".
    api_token_rate: str = "600/1m"
    # Folder of pg_dump/pg_restore; empty: the newest installed PostgreSQL, else the PATH.
    pg_bindir: str = ""
    # Folder where `sig backup` writes when no output is given; empty: var_dir/backups.
    backup_dir: str = ""
    # MapServer executable checked by /readyz.
    mapserv_bin: str = "mapserv"
    # Tile cache of the rendered maps (MapProxy); SIG_CACHE_DIR, default var_dir/cache.
    cache_dir: Path = field(default_factory=lambda: BASE_DIR / "var" / "cache")
    # Runtime files of the maps service (MapServer config, PostgreSQL service file with the
    # reader's password, resolved mapproxy.yaml); private to the service user.
    run_dir: Path = field(default_factory=lambda: BASE_DIR / "var" / "run")
    # Cloud Optimized GeoTIFFs written by `sig import-raster` (<name>.tif).
    raster_dir: Path = field(default_factory=lambda: BASE_DIR / "var" / "rasters")
    # Tile cache backend: file, geopackage, s3://bucket/prefix or redis://host:port/db.
    maps_cache: str = "file"
    # Long-lived MapServer (FastCGI) processes per service process; 0: one `mapserv` per request.
    mapserver_processes: int = 2
    # Offer the external basemaps (DGT orthophotos, OpenStreetMap) in /maps/ (needs internet).
    maps_external_basemaps: bool = False
    # OGC API: database connections (role sig_reader) per service process.
    ogcapi_pool_size: int = 8
    # OGC API: longest query before the request is cancelled (ms).
    ogcapi_statement_timeout_ms: int = 30_000
    # OGC API: answer 404 for collection tiles outside a theme's zoom limits (registry).
    ogcapi_tile_limits: bool = True
    # Occurrences (Linha Verde): the categories file (`sig check` validates it).
    ocorrencias_categorias: Path = field(
        default_factory=lambda: BASE_DIR / "ocorrencias" / "categorias.yml")
    # Months after an occurrence is closed when `sig ocorrencias purge` erases the reporter's
    # personal data (contacts, photos).
    ocorrencias_retention_months: int = 12
    # Reports accepted per client address: "N/period".
    ocorrencias_ip_rate: str = "10/1h"
    # Reports accepted per contact (e-mail or phone): "N/period".
    ocorrencias_contact_rate: str = "5/1h"
    # Seconds a person takes at least to fill the report form; faster posts are refused (bots).
    ocorrencias_min_fill_seconds: int = 3
    # Largest photo accepted, in MB (each; at most three per report).
    ocorrencias_photo_max_mb: int = 10
    # Most pixels a photo may declare (width × height): larger ones are decompression bombs.
    ocorrencias_photo_max_pixels: int = 50_000_000
    # Longest side of a stored photo, in pixels (photos are re-encoded as JPEG, metadata removed).
    ocorrencias_photo_edge_px: int = 1600
    # Open311 GeoReport v2: requests per API key: "N/period".
    open311_key_rate: str = "60/1m"
    # Open311: the jurisdiction_id of this service (requests naming another one get 404).
    open311_jurisdiction: str = "regiaodeleiria.pt"
    # Outgoing e-mail (messages to reporters): SMTP host; empty: no e-mail is sent (logged).
    smtp_host: str = ""
    # SMTP port.
    smtp_port: int = 25
    # SMTP user and password; empty: no authentication.
    smtp_user: str = ""
    smtp_password: str = ""
    # Use STARTTLS on the SMTP connection.
    smtp_starttls: bool = False
    # Sender of the service's e-mails.
    mail_from: str = "linha-verde@localhost"

    @property
    def production(self) -> bool:
        return self.env == "production"

    def url_for(self, role: str) -> str:
        """Connection URL for one of the service roles."""
        return {
            "app": self.database_url,
            "importer": self.database_importer_url,
            "owner": self.database_owner_url,
            "reader": self.database_reader_url,
            "admin": self.database_admin_url,
        }[role]

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://127.0.0.1:{self.port}"


def _database_settings(app_url: str) -> dict:
    """Databases and roles, the municipalities and their boundaries."""
    return {
        "database_importer_url": _env("SIG_DATABASE_IMPORTER_URL",
                                   with_user(app_url, "sig_importer")),
        "database_owner_url": _env("SIG_DATABASE_OWNER_URL", with_user(app_url, "sig_owner")),
        "database_reader_url": _env("SIG_DATABASE_READER_URL", with_user(app_url, "sig_reader")),
        "database_admin_url": _env("SIG_DATABASE_ADMIN_URL", with_user(app_url, "postgres")),
        "database_role": _env("SIG_DATABASE_ROLE", "app"),
        "municipios": _env_list("SIG_MUNICIPIOS", CIMRL_MUNICIPIOS),
        "boundary_tolerance_m": float(_env("SIG_BOUNDARY_TOLERANCE_M", "50")),
        "caop_url": _env("SIG_CAOP_URL", DGT_CAOP_URL).rstrip("/"),
        "caop_fallback": Path(_env("SIG_CAOP_FALLBACK", str(EMBEDDED_CAOP))),
        "proj_grids_dir": _env("SIG_PROJ_GRIDS_DIR", ""),
        "pg_bindir": _env("SIG_PG_BINDIR", ""),
        "backup_dir": _env("SIG_BACKUP_DIR", ""),
    }


def _import_settings() -> dict:
    """Budgets and profiles of imports."""
    return {
        "import_max_file_mb": int(_env("SIG_IMPORT_MAX_FILE_MB", "1024")),
        "import_max_unzipped_mb": int(_env("SIG_IMPORT_MAX_UNZIPPED_MB", "2048")),
        "import_max_zip_members": int(_env("SIG_IMPORT_MAX_ZIP_MEMBERS", "10000")),
        "import_max_zip_ratio": int(_env("SIG_IMPORT_MAX_ZIP_RATIO", "200")),
        "import_max_memory_mb": int(_env("SIG_IMPORT_MAX_MEMORY_MB", "2048")),
        "import_max_cpu_seconds": int(_env("SIG_IMPORT_MAX_CPU_SECONDS", "3600")),
        "import_max_running": int(_env("SIG_IMPORT_MAX_RUNNING", "2")),
        "import_max_per_user": int(_env("SIG_IMPORT_MAX_PER_USER", "2")),
        "import_queue_size": int(_env("SIG_IMPORT_QUEUE_SIZE", "20")),
        "import_profiles_dir": Path(_env("SIG_IMPORT_PROFILES_DIR",
                                      str(BASE_DIR / "data" / "profiles"))),
    }


def _web_settings(env: str) -> dict:
    """The web service: addresses, secrets, logs, limits."""
    return {
        "port": int(_env("SIG_PORT", "8000")),
        "secret_key": _env("SIG_SECRET_KEY", "insecure-development-key"),
        "allowed_hosts": _env_list("SIG_ALLOWED_HOSTS", ("127.0.0.1", "localhost")),
        "public_url": _env("SIG_PUBLIC_URL", ""),
        "log_format": _env("SIG_LOG_FORMAT", "json" if env == "production" else "plain"),
        "log_level": _env("SIG_LOG_LEVEL", "INFO").upper(),
        "proxy_count": int(_env("SIG_PROXY_COUNT", "1" if env == "production" else "0")),
        "https_only": _env_bool("SIG_HTTPS_ONLY", False),
        "tls_proxy": _env_bool("SIG_TLS_PROXY", False),
        "hsts_seconds": int(_env("SIG_HSTS_SECONDS", "31536000")),
        "csp": _env("SIG_CSP", DEFAULT_CSP),
        "max_upload_mb": int(_env("SIG_MAX_UPLOAD_MB", "200")),
        "max_body_mb": int(_env("SIG_MAX_BODY_MB", "10")),
        "login_rate": _env("SIG_LOGIN_RATE", "10/10m"),
        "login_ip_rate": _env("SIG_LOGIN_IP_RATE", "50/10m"),
        "api_token_rate": _env("SIG_API_TOKEN_RATE", "600/1m"),
    }


def _maps_settings(var_dir: Path) -> dict:
    """Map rendering, caches and the OGC API's database use."""
    return {
        "mapserv_bin": _env("SIG_MAPSERV_BIN", "mapserv"),
        "cache_dir": Path(_env("SIG_CACHE_DIR", str(var_dir / "cache"))),
        "run_dir": Path(_env("SIG_RUN_DIR", str(var_dir / "run"))),
        "raster_dir": Path(_env("SIG_RASTER_DIR", str(var_dir / "rasters"))),
        "maps_cache": _env("SIG_MAPS_CACHE", "file"),
        "mapserver_processes": int(_env("SIG_MAPSERVER_PROCESSES", "2")),
        "maps_external_basemaps": _env_bool("SIG_MAPS_EXTERNAL_BASEMAPS", False),
        "ogcapi_pool_size": int(_env("SIG_OGCAPI_POOL_SIZE", "8")),
        "ogcapi_statement_timeout_ms": int(_env("SIG_OGCAPI_STATEMENT_TIMEOUT_MS", "30000")),
        "ogcapi_tile_limits": _env_bool("SIG_OGCAPI_TILE_LIMITS", True),
    }


def _ocorrencias_settings() -> dict:
    """The Linha Verde: categories, retention, abuse limits, photos, Open311, e-mail."""
    return {
        "ocorrencias_categorias": Path(_env("SIG_OCORRENCIAS_CATEGORIAS",
                                         str(BASE_DIR / "ocorrencias" / "categorias.yml"))),
        "ocorrencias_retention_months": int(_env("SIG_OCORRENCIAS_RETENTION_MONTHS", "12")),
        "ocorrencias_ip_rate": _env("SIG_OCORRENCIAS_IP_RATE", "10/1h"),
        "ocorrencias_contact_rate": _env("SIG_OCORRENCIAS_CONTACT_RATE", "5/1h"),
        "ocorrencias_min_fill_seconds": int(_env("SIG_OCORRENCIAS_MIN_FILL_SECONDS", "3")),
        "ocorrencias_photo_max_mb": int(_env("SIG_OCORRENCIAS_PHOTO_MAX_MB", "10")),
        "ocorrencias_photo_max_pixels": int(_env("SIG_OCORRENCIAS_PHOTO_MAX_PIXELS", "50000000")),
        "ocorrencias_photo_edge_px": int(_env("SIG_OCORRENCIAS_PHOTO_EDGE_PX", "1600")),
        "open311_key_rate": _env("SIG_OPEN311_KEY_RATE", "60/1m"),
        "open311_jurisdiction": _env("SIG_OPEN311_JURISDICTION", "regiaodeleiria.pt"),
        "smtp_host": _env("SIG_SMTP_HOST", ""),
        "smtp_port": int(_env("SIG_SMTP_PORT", "25")),
        "smtp_user": _env("SIG_SMTP_USER", ""),
        "smtp_password": _env("SIG_SMTP_PASSWORD", ""),
        "smtp_starttls": _env_bool("SIG_SMTP_STARTTLS", False),
        "mail_from": _env("SIG_MAIL_FROM", "linha-verde@localhost"),
    }


def load_settings() -> Settings:
    """Build settings from the environment (no caching)."""
    pg_port = int(_env("SIG_PG_PORT", "54329"))
    db_name = _env("SIG_DB_NAME", "sig")
    local = f"postgresql://sig_app@127.0.0.1:{pg_port}/{db_name}"
    app_url = _env("SIG_DATABASE_URL", local)
    if os.environ.get("SIG_DB_NAME") and os.environ.get("SIG_DATABASE_URL"):
        app_url = with_database(app_url, db_name)
    env = _env("SIG_ENV", "development")
    if env not in ("development", "production"):
        raise ValueError(f"SIG_ENV deve ser development ou production, não {env!r}")
    debug = _env_bool("SIG_DEBUG", env != "production")
    var_dir = Path(_env("SIG_VAR_DIR", str(BASE_DIR / "var")))
    return Settings(
        pg_port=pg_port, db_name=db_name, database_url=app_url, env=env, debug=debug,
        var_dir=var_dir, **_database_settings(app_url), **_import_settings(),
        **_web_settings(env), **_maps_settings(var_dir), **_ocorrencias_settings(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return load_settings()
