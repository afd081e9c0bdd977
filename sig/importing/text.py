"""Text helpers: comparing names and values without case or accents, lenient decoding."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize(text: object) -> str:
    """'Espaço  Central ' → 'espaco central' (for matching names and values)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain).strip().casefold()


def identifier(text: object) -> str:
    """'Código Postal' → 'codigopostal' (for matching field names)."""
    return re.sub(r"[^a-z0-9]", "", normalize(text))


def decode_leniently(raw: bytes, encoding: str) -> tuple[str, str | None]:
    """Decode `raw`; a multi-byte character cut at the end (DBF's 254-byte limit) is
    dropped, other bad bytes are read as cp1252. Returns the text and a note, if any."""
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3:
            try:
                text = raw[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                pass
            else:
                return text, "texto cortado a meio de um carácter; lido até ao último completo"
        note = f"texto que não é {encoding}; lido como cp1252"
        return raw.decode("cp1252", errors="replace"), note
