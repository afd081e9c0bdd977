"""HTTP rules shared by every path: validators, conditional requests and OGC exceptions.

One set of rules for the OGC API (collections, items, tiles), the editing API (If-Match on
writes) and the fast path of cached map tiles: ETags are compared by their opaque tag (weak
comparison, RFC 9110 13.1.2), If-None-Match decides when sent, else If-Modified-Since.
Item ETags are strong: `"<id>-<row_version>"`; `row_version` is bumped by the database on
every update, so an editing client can send the ETag back in If-Match.

Refusals are `ApiError`s, rendered as OGC exception documents by the OGC API and (as
`EditingError`, with the database's diagnostics) by the editing API; the response helpers
here (HEAD, 304, 405) serve the OGC API's views.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)

ITEM_ETAG_RE = re.compile(r'^"(?P<id>[^"]+)-(?P<version>\d+)"$')


def item_etag(item_id: object, row_version: int) -> str:
    """The strong ETag of one feature, the same on reads and in If-Match on edits."""
    return f'"{item_id}-{row_version}"'


def parse_item_etag(value: str) -> tuple[str, int] | None:
    """(id, row_version) of a strong item ETag, or None if it is not one (weak ones are not)."""
    match = ITEM_ETAG_RE.match(value.strip())
    if not match:
        return None
    return match.group("id"), int(match.group("version"))


def weak_etag(*parts: object) -> str:
    return 'W/"' + "-".join(str(part) for part in parts) + '"'


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/").strip('"')


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match uses weak comparison (RFC 9110 13.1.2); `*` matches any."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(tag) == wanted for tag in if_none_match.split(","))


def not_modified_since(if_modified_since: str | None, changed_at: datetime) -> bool:
    """True when the copy of `If-Modified-Since` is as new as `changed_at` (whole seconds)."""
    since = parse_http_date_safe(if_modified_since) if if_modified_since else None
    return since is not None and int(changed_at.timestamp()) <= since


def is_fresh(if_none_match: str | None, if_modified_since: str | None, etag: str,
             changed_at: datetime | None) -> bool:
    """True when the client's copy is current: If-None-Match first (RFC 9110 13.2.2)."""
    if if_none_match:
        return etag_matches(if_none_match, etag)
    return changed_at is not None and not_modified_since(if_modified_since, changed_at)


# --- OGC exception documents ------------------------------------------------------------

STATUS_CODES = {
    400: "InvalidParameterValue",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    412: "PreconditionFailed",
    500: "ServerError",
    503: "ServiceUnavailable",
}
SERVER_ERROR = "erro interno do serviço; o problema ficou registado"
READ = ("GET", "HEAD")


class ApiError(Exception):
    """A refused request, answered with an OGC exception document: the HTTP status, the OGC
    exception code (by default the one of the status) and a pt-PT message; `headers` go with
    the response (Allow, Retry-After). The editing API's errors extend it (`EditingError`)."""

    status = 400
    code: str | None = None

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status or type(self).status
        self.code = code or type(self).code or STATUS_CODES.get(self.status, "NoApplicableCode")
        self.headers = dict(headers or {})

    def as_json(self) -> dict:
        """The exception document (OGC API Features exception schema)."""
        return {"code": self.code, "description": self.message, "status": self.status}


def bad_request(message: str) -> ApiError:
    return ApiError(message, status=400)


def not_found(message: str) -> ApiError:
    return ApiError(message, status=404)


def error_response(error: ApiError) -> HttpResponse:
    """The error's exception document as JSON, with its headers."""
    body = json.dumps(error.as_json(), ensure_ascii=False).encode()
    response = HttpResponse(body, status=error.status, content_type="application/json")
    for key, value in error.headers.items():
        response[key] = value
    return response


def guarded(handler: Callable[[], HttpResponse]) -> HttpResponse:
    """Run a view body; ApiErrors become exception documents, anything else a logged 500."""
    try:
        return handler()
    except ApiError as error:
        return error_response(error)
    except Exception:
        log.exception("OGC API: unexpected failure")
        return error_response(ApiError(SERVER_ERROR, status=500))


def method_not_allowed(request: HttpRequest, allowed: tuple[str, ...] = READ,
                       message: str = "") -> HttpResponse:
    """A 405 exception with an Allow header."""
    return error_response(ApiError(message or f"método {request.method} não permitido aqui",
                                   status=405, headers={"Allow": ", ".join(allowed)}))


def read_only(view: Callable) -> Callable:
    """GET and HEAD only; other methods get a 405 exception with an Allow header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in READ:
            return method_not_allowed(request)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)  # a 405, not Django's CSRF 403, for unsafe methods


def read_view(view: Callable) -> Callable:
    """A read-only view (`read_only`) whose ApiErrors become exception documents (`guarded`)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return guarded(lambda: view(request, *args, **kwargs))

    return read_only(wrapper)


# --- Responses --------------------------------------------------------------------------

def query_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() for value in values]


def query_lists(request: HttpRequest) -> dict[str, list[str]]:
    return dict(request.GET.lists())


def respond(request: HttpRequest, content: bytes | str, content_type: str,
            headers: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    """A response, without its body (but with its length) for HEAD."""
    body = b"" if request.method == "HEAD" else content
    response = HttpResponse(body, status=status, content_type=content_type)
    for key, value in (headers or {}).items():
        response[key] = value
    if request.method == "HEAD" and isinstance(content, bytes | str):
        response["Content-Length"] = str(len(content.encode() if isinstance(content, str)
                                             else content))
    return response


def not_modified(request: HttpRequest, etag: str, last_modified: str | None,
                 changed_at: datetime | None = None) -> HttpResponse | None:
    """A 304 when the client's copy is current (If-None-Match first, RFC 9110)."""
    if not is_fresh(request.headers.get("If-None-Match"),
                    request.headers.get("If-Modified-Since"), etag, changed_at):
        return None
    response = HttpResponse(status=304)
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = last_modified
    return response


def validators(etag: str, last_modified: str | None) -> dict[str, str]:
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if last_modified:
        headers["Last-Modified"] = last_modified
    return headers
