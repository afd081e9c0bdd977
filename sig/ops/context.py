"""Per-request context for the logs: request id, user and municipality.

Held in a context variable, so it is safe with threaded workers and reaches every log record
emitted while a request runs. Any area may add to it with `annotate()`, e.g. the editor once
it knows which municipality a save concerns.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass

REQUEST_ID_HEADER = "X-Request-ID"
# Ids accepted from a proxy in front (nginx `$request_id`, load balancers); others are replaced.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


@dataclass
class RequestContext:
    """What the logs say about the request being served."""

    request_id: str
    user: str = "-"
    municipio: str = "-"


_current: ContextVar[RequestContext | None] = ContextVar("sig_request", default=None)


def new_request_id(incoming: str | None = None) -> str:
    """The id of a request: the proxy's when well-formed, else a new random one."""
    if incoming and _VALID_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def begin(request_id: str) -> Token:
    """Start the context of one request; pass the token to `end()`."""
    return _current.set(RequestContext(request_id=request_id))


def end(token: Token) -> None:
    _current.reset(token)


def current() -> RequestContext | None:
    """The context of the request being served, or None outside requests."""
    return _current.get()


def annotate(*, user: str | None = None, municipio: str | None = None) -> None:
    """Record who acts and which municipality the request concerns (no-op outside requests)."""
    context = _current.get()
    if context is None:
        return
    if user:
        context.user = user
    if municipio:
        context.municipio = municipio
