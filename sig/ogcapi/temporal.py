"""RFC 3339 instants and intervals of the `datetime` parameter and CQL2 temporal literals.

A date without time is a whole day in UTC: as an instant it matches any time of that day, and
as the end of an interval it includes that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sig.http import bad_request

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
                         r"([Zz]|[+-]\d{2}:?\d{2})?$")


def parse_instant(text: str) -> date | datetime:
    """A date or a timezone-aware datetime (UTC when no offset is given)."""
    text = text.strip()
    if DATE_RE.match(text):
        return date.fromisoformat(text)
    if not DATETIME_RE.match(text):
        raise ValueError(f"not an RFC 3339 date or date-time: {text!r}")
    value = datetime.fromisoformat(_trim_fraction(text.replace("z", "Z")))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _trim_fraction(text: str) -> str:
    """Python takes at most 6 fractional digits."""
    return re.sub(r"(\.\d{6})\d+", r"\1", text)


def day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=UTC)


def day_end(value: date | datetime) -> datetime:
    """The last instant an inclusive end covers."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(
        microseconds=1)


@dataclass(frozen=True)
class TimeRange:
    """Inclusive bounds; None is open ('..' or empty)."""

    start: datetime | None
    end: datetime | None


def _bound(text: str, parameter: str) -> date | datetime | None:
    if text in ("", ".."):
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise bad_request(f"{parameter}: data ou hora inválida: {text!r} "
                          "(use RFC 3339, p. ex. 2024-05-01T12:00:00Z ou 2024-05-01)") from exc


def parse_datetime(value: str, parameter: str = "datetime") -> TimeRange:
    """The `datetime` parameter: an instant or an interval start/end with '..' for open ends."""
    parts = value.split("/")
    if len(parts) > 2 or not value.strip():
        raise bad_request(f"{parameter}: valor inválido: {value!r}")
    if len(parts) == 1:
        instant = _bound(parts[0], parameter)
        if instant is None:
            raise bad_request(f"{parameter}: valor inválido: {value!r}")
        return TimeRange(day_start(instant), day_end(instant))
    start, end = (_bound(part.strip(), parameter) for part in parts)
    if start is None and end is None:
        raise bad_request(f"{parameter}: intervalo sem início nem fim: {value!r}")
    result = TimeRange(day_start(start) if start else None, day_end(end) if end else None)
    if result.start and result.end and result.start > result.end:
        raise bad_request(f"{parameter}: o início é posterior ao fim: {value!r}")
    return result
