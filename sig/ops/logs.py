"""Structured logs: plain text lines or JSON lines, each carrying the request context.

`logging_config()` builds Django's LOGGING dict; no Django import here, so the settings module
can use it. Every record gets `request_id`, `user` and `municipio` (from `sig.ops.context`);
records with an exception carry the whole stack trace (`exc` in JSON).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sig.ops import context

CONTEXT_FIELDS = ("request_id", "user", "municipio")
PLAIN_FORMAT = ("%(asctime)s %(levelname)s %(name)s [%(request_id)s %(user)s %(municipio)s] "
                "%(message)s")
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too
# (except Django's `request` object, summarized by the context fields).
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request",
                                                      *CONTEXT_FIELDS}


class ContextFilter(logging.Filter):
    """Adds the request context to every record (dashes outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs 5xx answers after the middleware has finished: use the request's context.
        ctx = context.current() or getattr(getattr(record, "request", None), "sig_context", None)
        record.request_id = ctx.request_id if ctx else "-"
        record.user = ctx.user if ctx else "-"
        record.municipio = ctx.municipio if ctx else "-"
        return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extras, stack trace."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            entry[name] = getattr(record, name, "-")
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _jsonable(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def logging_config(log_format: str = "plain", level: str = "INFO") -> dict:
    """Django LOGGING: everything to stderr through one handler, in the chosen format."""
    formatter = ({"()": "sig.ops.logs.JsonFormatter"} if log_format == "json"
                 else {"format": PLAIN_FORMAT})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "sig.ops.logs.ContextFilter"}},
        "formatters": {"main": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main",
                                 "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "sig": {"level": level},
            "django": {"level": "INFO"},
            # Django's own error lines (with stack traces) for 5xx; 4xx are in sig.request.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }
