"""Django configured for one service role, for commands that need the ORM.

Lives here, below the feature packages, so that their `commands` modules need not import
`sig.cli` (which loads them).
"""

from __future__ import annotations

import os


def setup_django(role: str = "app") -> None:
    """Configure Django connecting as a service role (settings are read once, here)."""
    os.environ["SIG_DATABASE_ROLE"] = role
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sig.settings")
    from sig.conf import get_settings

    get_settings.cache_clear()
    require_database(role)
    import django

    django.setup()


def require_database(role: str) -> None:
    """Fail fast, naming the database, before anything starts."""
    from sig.db.connect import connect_as

    with connect_as(role, timeout=5):
        pass
