"""The records of a JSON list read one at a time, never the whole file in memory.

Accepted: an array of objects, or an object with exactly one array of objects among its values
(`{"meta": …, "dados": [{…}, …]}`). Each value is decoded on its own; one larger than
`MAX_VALUE_BYTES` is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from sig.importing.errors import ImportRefused

CHUNK = 1 << 20
MAX_VALUE_BYTES = 64 << 20
WHITESPACE = " \t\r\n"
NOT_A_LIST = "esperava uma lista de objetos JSON"


class _Reader:
    """A window on a text stream, refilled as values are decoded."""

    def __init__(self, handle: TextIO, name: str):
        self.handle, self.name = handle, name
        self.buffer, self.pos, self.eof = "", 0, False
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(CHUNK)
        self.eof = not chunk
        self.buffer = self.buffer[self.pos:] + chunk
        self.pos = 0
        return bool(chunk)

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer) or not self._fill():
                return self.buffer[self.pos:self.pos + 1]

    def take(self, expected: str) -> str:
        char = self.peek()
        if char not in expected or not char:
            raise self.invalid(f"esperava {' ou '.join(expected)}")
        self.pos += 1
        return char

    def value(self) -> object:
        """The next JSON value, read whole (refilling the window as needed)."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
                if end < len(self.buffer) or self.eof:
                    self.pos = end
                    return value
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self.invalid(exc.msg) from exc
            if len(self.buffer) - self.pos > MAX_VALUE_BYTES:
                raise ImportRefused(f"{self.name}: um valor do JSON tem mais de "
                                    f"{MAX_VALUE_BYTES >> 20} MB")
            self._fill()

    def invalid(self, reason: str) -> ImportRefused:
        return ImportRefused(f"{self.name}: JSON inválido ({reason})")


def _array(reader: _Reader) -> Iterator[dict]:
    reader.take("[")
    if reader.peek() == "]":
        reader.pos += 1
        return
    while True:
        record = reader.value()
        if not isinstance(record, dict):
            raise ImportRefused(f"{reader.name}: {NOT_A_LIST}")
        yield record
        if reader.take(",]") == "]":
            return


def _object(reader: _Reader) -> Iterator[dict]:
    """The records of the one array among the object's values."""
    reader.take("{")
    lists = 0
    while reader.peek() != "}":
        if not isinstance(reader.value(), str):
            raise reader.invalid("chave que não é texto")
        reader.take(":")
        if reader.peek() == "[":
            lists += 1
            if lists > 1:
                raise ImportRefused(f"{reader.name}: {NOT_A_LIST}")
            yield from _array(reader)
        else:
            reader.value()
        if reader.take(",}") == "}":
            break
    if lists != 1:
        raise ImportRefused(f"{reader.name}: {NOT_A_LIST}")


def records(path: Path, name: str) -> Iterator[dict]:
    """Each object of the file's list, in order."""
    with path.open(encoding="utf-8-sig", errors="strict") as handle:
        reader = _Reader(handle, name)
        try:
            first = reader.peek()
            if first == "[":
                yield from _array(reader)
            elif first == "{":
                yield from _object(reader)
            else:
                raise ImportRefused(f"{name}: {NOT_A_LIST}")
        except UnicodeDecodeError as exc:
            raise ImportRefused(f"{name}: JSON inválido ({exc})") from exc
