"""HTTP helpers shared by the OGC API views: base URL, responses, errors, conditional GET."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix
from django.views.decorators.csrf import csrf_exempt

from sig.conf import get_settings
from sig.ogcapi.errors import OgcError, exception_json
from sig.ogcapi.state import etag_matches, not_modified_since

log = logging.getLogger(__name__)

MOUNT = "ogcapi"
SERVER_ERROR = "erro interno do serviço; o problema ficou registado"


def base_url(request: HttpRequest) -> str:
    """Absolute URL of the API's landing page, without a trailing slash."""
    public = get_settings().public_url.rstrip("/")
    if public:
        return f"{public}/{MOUNT}"
    return request.build_absolute_uri(f"{get_script_prefix()}{MOUNT}")


def query_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() for value in values]


def query_lists(request: HttpRequest) -> dict[str, list[str]]:
    return dict(request.GET.lists())


def respond(request: HttpRequest, content: bytes | str, content_type: str,
            headers: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    body = b"" if request.method == "HEAD" else content
    response = HttpResponse(body, status=status, content_type=content_type)
    for key, value in (headers or {}).items():
        response[key] = value
    if request.method == "HEAD" and isinstance(content, bytes | str):
        response["Content-Length"] = str(len(content.encode() if isinstance(content, str)
                                             else content))
    return response


def error_response(error: OgcError) -> HttpResponse:
    response = HttpResponse(exception_json(error.status, error.code, error.description),
                            status=error.status, content_type="application/json")
    for key, value in error.headers.items():
        response[key] = value
    return response


def guarded(handler: Callable[[], HttpResponse]) -> HttpResponse:
    """Run a view body; OGC errors become exception documents, anything else a logged 500."""
    try:
        return handler()
    except OgcError as error:
        return error_response(error)
    except Exception:
        log.exception("OGC API: unexpected failure")
        return error_response(OgcError(500, SERVER_ERROR))


def not_modified(request: HttpRequest, etag: str, last_modified: str | None,
                 changed_at=None) -> HttpResponse | None:
    """A 304 when the client's copy is current (If-None-Match first, RFC 9110)."""
    if_none_match = request.headers.get("If-None-Match")
    fresh = (etag_matches(if_none_match, etag) if if_none_match else
             changed_at is not None and not_modified_since(
                 request.headers.get("If-Modified-Since"), changed_at))
    if not fresh:
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


READ = ("GET", "HEAD")


def method_not_allowed(request: HttpRequest, allowed: tuple[str, ...] = READ) -> HttpResponse:
    return error_response(OgcError(405, f"método {request.method} não permitido aqui",
                                   headers={"Allow": ", ".join(allowed)}))


def read_only(view: Callable) -> Callable:
    """GET and HEAD only; other methods get a 405 exception with an Allow header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in READ:
            return method_not_allowed(request)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)  # a 405, not Django's CSRF 403, for unsafe methods
