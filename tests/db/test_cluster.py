"""The local cluster's settings (`sig cluster`, used by `make up` and the tests)."""

from __future__ import annotations

from sig.db.cluster import pg_bindir, server_settings


def _setting(text: str, name: str) -> str:
    return next(line.split("=", 1)[1].strip() for line in text.splitlines()
                if line.startswith(f"{name} ="))


def test_wal_compression_is_lz4_where_the_server_has_it():
    assert _setting(server_settings(54329, 16), "wal_compression") == "lz4"
    assert _setting(server_settings(54329, 15), "wal_compression") == "lz4"
    assert _setting(server_settings(54329, 14), "wal_compression") == "on"  # no lz4 before 15


def test_the_installed_server_accepts_the_settings_chosen_for_it(owner):
    """A value the server does not know would stop the cluster from starting."""
    chosen = _setting(server_settings(54329, int(pg_bindir().parent.name)), "wal_compression")
    values = owner.execute(
        "SELECT enumvals FROM pg_catalog.pg_settings WHERE name = 'wal_compression'").fetchone()[0]
    assert chosen in values
