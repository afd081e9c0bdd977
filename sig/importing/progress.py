"""Progress of a long import: a bar on a terminal, one line per stage elsewhere (logs, CI)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


class TerminalProgress:
    """A `progress(stage, done, total)` callback writing to `stream` (stderr by default)."""

    def __init__(self, stream: TextIO | None = None, interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.interval = interval
        self.stage: str | None = None
        self.shown = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage:
            self._new_stage(stage)
        if not self.interactive:
            return
        now = time.monotonic()
        if now - self.shown < self.interval and not (total and done >= total):
            return
        self.shown = now
        self.stream.write("\r" + self.line(stage, done, total))
        self.stream.flush()

    def _new_stage(self, stage: str) -> None:
        if self.interactive and self.stage is not None:
            self.stream.write("\n")
        elif not self.interactive:
            self.stream.write(f"{stage}…\n")
        self.stage = stage
        self.stream.flush()

    @staticmethod
    def line(stage: str, done: int, total: int | None, width: int = 30) -> str:
        if not total:
            return f"{stage}: {_number(done)}"
        share = min(1.0, done / total)
        filled = int(share * width)
        bar = "#" * filled + "." * (width - filled)
        return f"{stage}: [{bar}] {share:4.0%} {_number(done)}/{_number(total)}"

    def close(self) -> None:
        if self.interactive and self.stage is not None:
            self.stream.write("\n")
            self.stream.flush()
