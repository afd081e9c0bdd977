"""`sig` subcommands of sig.editing."""

from __future__ import annotations


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
