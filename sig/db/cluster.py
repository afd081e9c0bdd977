"""The project's own PostgreSQL cluster: data folder inside the checkout, its own port.

Used by `make up` / `make test` when SIG_DATABASE_URL does not point elsewhere.
PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from sig.conf import get_settings

CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = ''
max_connections = 200
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
effective_cache_size = 4GB
max_wal_size = 4GB
checkpoint_timeout = 15min
wal_compression = {wal_compression}
jit = off
log_min_duration_statement = 2000
"""

HBA = """# Development cluster: loopback only.
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
"""


def server_settings(port: int, version: int) -> str:
    """The cluster's settings. WAL compression: the first change of a page after a checkpoint
    writes the whole page to the WAL, and a re-import or a bulk edit changes rows across most
    of a theme's pages; lz4 (PostgreSQL 15 and later, else the built-in pglz) makes those
    images smaller."""
    return CONF.format(port=port, wal_compression="lz4" if version >= 15 else "on")


class ClusterError(Exception):
    pass


def pg_bindir() -> Path:
    """Binaries of the newest PostgreSQL installed from the OS packages."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                      key=lambda p: int(p.parent.parent.name))
    if not versions:
        raise ClusterError("PostgreSQL não está instalado (falta /usr/lib/postgresql/*/bin)")
    return versions[-1].parent


def cluster_dir() -> Path:
    """`var/pg` in the checkout; as root, a folder the postgres user can reach if it cannot."""
    folder = get_settings().var_dir / "pg"
    if os.geteuid() != 0 or _reachable_by_postgres(folder.parent):
        return folder
    digest = hashlib.sha1(str(folder).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"sig-pg-{digest}"


def _reachable_by_postgres(folder: Path) -> bool:
    """Every existing ancestor can be traversed by others (the postgres user)."""
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            return False
    return True


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(_as_server_user(args), capture_output=True, text=True)
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(args[:2])} falhou: {result.stderr.strip() or result.stdout}")
    return result


def _prepare_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        shutil.chown(folder, user.pw_uid, user.pw_gid)
        if not _reachable_by_postgres(folder.parent):
            raise ClusterError(f"o utilizador postgres não consegue chegar a {folder}: "
                               "use uma pasta acessível ou defina SIG_DATABASE_URL")


def init() -> bool:
    """Create the cluster if missing. Returns True when created."""
    folder = cluster_dir()
    data = folder / "data"
    if (data / "PG_VERSION").exists():
        return False
    _prepare_folder(folder)
    _run([str(pg_bindir() / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
          "--locale=C.UTF-8", "--auth=trust"])
    with open(data / "postgresql.auto.conf", "a", encoding="utf-8") as handle:
        handle.write(server_settings(get_settings().pg_port, int(pg_bindir().parent.name)))
    (data / "pg_hba.conf").write_text(HBA, encoding="utf-8")
    return True


def is_running() -> bool:
    data = cluster_dir() / "data"
    if not (data / "PG_VERSION").exists():
        return False
    result = subprocess.run(_as_server_user([str(pg_bindir() / "pg_ctl"), "status", "-D",
                                             str(data)]), capture_output=True, text=True)
    return result.returncode == 0


def start() -> None:
    """Initialise if needed and start the cluster (no-op when already running)."""
    init()
    if is_running():
        return
    folder = cluster_dir()
    _run([str(pg_bindir() / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(folder / "data"),
          "-l", str(folder / "server.log")])
    _wait_ready()


def _wait_ready(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    port = str(get_settings().pg_port)
    while time.monotonic() < deadline:
        ok = subprocess.run([str(pg_bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", port],
                            capture_output=True)
        if ok.returncode == 0:
            return
        time.sleep(0.3)
    raise ClusterError(f"o PostgreSQL não respondeu na porta {port}")


def stop() -> None:
    if is_running():
        _run([str(pg_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D",
              str(cluster_dir() / "data")])
