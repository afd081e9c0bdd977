"""Signal receivers of sig.ops."""

from __future__ import annotations

from sig.ops import ratelimit


def count_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    """Every failed `authenticate()` counts toward the login limits, whatever the view."""
    ratelimit.login_failed(request, credentials.get("username"))
