"""`sig` subcommands of sig.ogcapi."""

from __future__ import annotations


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
