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

DB_ROLES = ("app", "owner", "reader")


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
    # Connection used by migrations and bulk loads (role sig_owner).
    database_owner_url: str = ""
    # Read-only connection for pygeoapi and MapServer (role sig_reader).
    database_reader_url: str = ""
    # Superuser connection, only for `sig bootstrap-db` (roles, database, extensions).
    database_admin_url: str = ""
    # Which role Django connects as in this process: app, owner or reader.
    database_role: str = "app"
    # Municipalities served (DICO codes). Another CIM only changes this list.
    municipios: tuple[str, ...] = CIMRL_MUNICIPIOS
    # Tolerance (metres) for "feature inside its municipality" against simplified CAOP.
    boundary_tolerance_m: float = 50.0
    # Folder with DGT datum grids (pt_dgt_*.tif); empty: PROJ's own search path only.
    proj_grids_dir: str = ""
    # Folder for tile caches and other runtime files.
    var_dir: Path = field(default_factory=lambda: BASE_DIR / "var")
    # HTTP port of the service.
    port: int = 8000
    # Django secret key; the default is refused when debug is off.
    secret_key: str = "insecure-development-key"
    # Django debug mode.
    debug: bool = True
    # Host names the service answers to.
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    # Public base URL (used in generated documents); empty: derived from the request.
    public_url: str = ""

    def url_for(self, role: str) -> str:
        """Connection URL for one of the service roles."""
        return {
            "app": self.database_url,
            "owner": self.database_owner_url,
            "reader": self.database_reader_url,
            "admin": self.database_admin_url,
        }[role]

    @property
    def cache_dir(self) -> Path:
        return self.var_dir / "cache"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://127.0.0.1:{self.port}"


def load_settings() -> Settings:
    """Build settings from the environment (no caching)."""
    pg_port = int(_env("SIG_PG_PORT", "54329"))
    db_name = _env("SIG_DB_NAME", "sig")
    local = f"postgresql://sig_app@127.0.0.1:{pg_port}/{db_name}"
    app_url = _env("SIG_DATABASE_URL", local)
    if os.environ.get("SIG_DB_NAME") and os.environ.get("SIG_DATABASE_URL"):
        app_url = with_database(app_url, db_name)
    debug = _env_bool("SIG_DEBUG", True)
    return Settings(
        pg_port=pg_port,
        db_name=db_name,
        database_url=app_url,
        database_owner_url=_env("SIG_DATABASE_OWNER_URL", with_user(app_url, "sig_owner")),
        database_reader_url=_env("SIG_DATABASE_READER_URL", with_user(app_url, "sig_reader")),
        database_admin_url=_env("SIG_DATABASE_ADMIN_URL", with_user(app_url, "postgres")),
        database_role=_env("SIG_DATABASE_ROLE", "app"),
        municipios=_env_list("SIG_MUNICIPIOS", CIMRL_MUNICIPIOS),
        boundary_tolerance_m=float(_env("SIG_BOUNDARY_TOLERANCE_M", "50")),
        proj_grids_dir=_env("SIG_PROJ_GRIDS_DIR", ""),
        var_dir=Path(_env("SIG_VAR_DIR", str(BASE_DIR / "var"))),
        port=int(_env("SIG_PORT", "8000")),
        secret_key=_env("SIG_SECRET_KEY", "insecure-development-key"),
        debug=debug,
        allowed_hosts=_env_list("SIG_ALLOWED_HOSTS", ("127.0.0.1", "localhost")),
        public_url=_env("SIG_PUBLIC_URL", ""),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return load_settings()
