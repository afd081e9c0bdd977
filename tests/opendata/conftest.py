"""Helpers for the open-data tests: streamed downloads through the real views, counts as
sig_reader."""

from __future__ import annotations

from pathlib import Path

import pytest


def body(response) -> bytes:
    """The whole body of a (possibly streamed) response."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def reader_count(reader, table: str, municipio: str | None = None) -> int:
    """Features of a theme (optionally one municipality) counted independently, as sig_reader."""
    if municipio:
        row = reader.execute(f'SELECT count(*) FROM public."{table}" WHERE municipio = %s',
                             (municipio,)).fetchone()
    else:
        row = reader.execute(f'SELECT count(*) FROM public."{table}"').fetchone()
    return row[0]


@pytest.fixture
def save(tmp_path):
    """Write a response body to a file named like the download."""

    def _save(response, name: str) -> Path:
        path = tmp_path / name
        path.write_bytes(body(response))
        return path

    return _save
