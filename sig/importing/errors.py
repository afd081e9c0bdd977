"""Errors of the import: what the user is told, in pt-PT, naming the problem."""

from __future__ import annotations


class ImportRefused(Exception):
    """Bad input or a forbidden request: nothing was written to the themes."""


class ImportFailed(Exception):
    """The run started but could not finish: the merge was rolled back, nothing was written
    to the themes; the run record says why and keeps its quarantine."""

    def __init__(self, message: str, run_id: int | None = None):
        super().__init__(message)
        self.run_id = run_id
