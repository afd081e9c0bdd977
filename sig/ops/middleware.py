"""Middleware of the service: request logs, database outages, security headers, limits.

Order in settings.MIDDLEWARE: RequestLogMiddleware first (it times everything and gives each
request its id), then DatabaseUnavailableMiddleware, CleartextCredentialsMiddleware,
SecurityMiddleware, SecurityHeadersMiddleware and RequestLimitsMiddleware;
LoginRateLimitMiddleware after the authentication middleware.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache

import psycopg
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch
from django.utils.functional import empty

from sig.conf import get_settings
from sig.db.connect import DatabaseUnavailable
from sig.ops import context, errors, ratelimit
from sig.ops.hardening import PERMISSIONS_POLICY

log = logging.getLogger("sig.request")
QUIET_PATHS = ("/healthz", "/readyz")
# SQLSTATEs that mean "the server is going away or not there yet", not a bad query.
CONNECTION_STATES = ("57P01", "57P02", "57P03")

Handler = Callable[[HttpRequest], HttpResponse]


def _username(request: HttpRequest) -> str:
    """The user's name when something already looked at `request.user` (never forces it)."""
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return "-"
    return wrapped.get_username()


def _log_request(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    quiet = request.path in QUIET_PATHS or request.path.startswith(settings.STATIC_URL)
    level = logging.WARNING if response.status_code >= 500 else logging.INFO
    fields = {
        "method": request.method, "path": request.path,
        "query": request.META.get("QUERY_STRING", "")[:500], "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1), "client": ratelimit.client_ip(request),
    }
    log.log(logging.DEBUG if quiet else level, "%s %s %s %.1f ms", request.method, request.path,
            response.status_code, seconds * 1000, extra=fields)


class RequestLogMiddleware:
    """Request id (X-Request-ID in and out), user, municipality and duration in the logs."""

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.new_request_id(request.headers.get(context.REQUEST_ID_HEADER))
        token = context.begin(request_id)
        request.sig_context = context.current()  # type: ignore[attr-defined]
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            municipio = request.GET.get("municipio", "")
            context.annotate(user=_username(request),
                             municipio=municipio if municipio.isdigit() else None)
            response[context.REQUEST_ID_HEADER] = request_id
            _log_request(request, response, time.perf_counter() - start)
            return response
        finally:
            context.end(token)


def is_connection_failure(exc: BaseException) -> bool:
    """True when `exc` (or its cause) says the database cannot be reached."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DatabaseUnavailable | psycopg.InterfaceError):
            return True
        if isinstance(seen, psycopg.OperationalError):
            state = seen.sqlstate
            return state is None or state.startswith("08") or state in CONNECTION_STATES
        seen = seen.__cause__ or seen.__context__
    return False


class _Probe:
    """Is the database reachable? A fresh connection, answered from a 1 s memory."""

    def __init__(self, ttl: float = 1.0):
        self.ttl, self.checked, self.up = ttl, 0.0, True
        self.lock = threading.Lock()

    def reachable(self) -> bool:
        with self.lock:
            if time.monotonic() - self.checked > self.ttl:
                self.up = self._connect()
                self.checked = time.monotonic()
            return self.up

    @staticmethod
    def _connect() -> bool:
        conf = get_settings()
        try:
            psycopg.connect(conf.url_for(conf.database_role), connect_timeout=2,
                            application_name="sig-probe").close()
        except psycopg.Error:
            return False
        return True


class DatabaseUnavailableMiddleware:
    """503 with a clear pt-PT message, instead of a 500, while the database is away.

    Django reconnects by itself (CONN_HEALTH_CHECKS) once the database is back.
    """

    probe = _Probe()

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500 and response.status_code != 503 \
                and not self.probe.reachable():
            return errors.database_unavailable(request)
        return response

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if not is_connection_failure(exception):
            return None
        first = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
        log.warning("base de dados indisponível: %s", first or type(exception).__name__)
        return errors.database_unavailable(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (unless the view set its own) and Permissions-Policy."""

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.SIG_CSP and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.SIG_CSP
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response


CLEARTEXT = ("Ligação sem cifra recusada",
             "Este pedido leva credenciais (palavra-passe, token de API ou sessão) e chegou por "
             "HTTP sem cifra, por isso foi recusado. Use o endereço https:// do serviço e, por "
             "precaução, mude a palavra-passe ou o token que foram enviados.")


@lru_cache(maxsize=1)
def login_paths() -> frozenset[str]:
    """Paths of the sign-in forms: the admin login and settings.LOGIN_URL."""
    paths = set()
    for target in ("admin:login", settings.LOGIN_URL):
        try:
            paths.add(resolve_url(target))
        except NoReverseMatch:
            continue
    return frozenset(paths)


def carries_credentials(request: HttpRequest) -> bool:
    """An Authorization header, the session cookie or a sign-in form."""
    return bool(request.META.get("HTTP_AUTHORIZATION")
                or settings.SESSION_COOKIE_NAME in request.COOKIES
                or (request.method == "POST" and request.path in login_paths()))


class CleartextCredentialsMiddleware:
    """In production, 403 for credentials sent over plain HTTP (request.is_secure() trusts
    X-Forwarded-Proto only with SIG_TLS_PROXY): the client learns at once, not by a redirect
    that has already carried the secret in the clear."""

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SIG_PRODUCTION and not request.is_secure() \
                and carries_credentials(request):
            log.warning("credenciais por HTTP sem cifra recusadas: %s %s", request.method,
                        request.path)
            return errors.error_response(request, 403, "Forbidden", *CLEARTEXT)
        return self.get_response(request)


class RequestLimitsMiddleware:
    """413 for bodies over SIG_MAX_UPLOAD_SIZE (declared length) or over Django's limits."""

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.SIG_MAX_UPLOAD_SIZE:
            return errors.too_large(request, settings.SIG_MAX_UPLOAD_SIZE)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return errors.too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
            return errors.error_response(request, 400, "InvalidParameterValue",
                                         "Pedido inválido",
                                         "O pedido tem demasiados campos ou ficheiros.")
        return None


class LoginRateLimitMiddleware:
    """Refuse login attempts (429) after too many failures per address or user name.

    Covers the admin login and settings.LOGIN_URL; other login views call
    `sig.ops.ratelimit.login_blocked()` themselves.
    """

    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in login_paths():
            blocked = ratelimit.login_blocked(request, request.POST.get("username"))
            if blocked is not None:
                return blocked
        return self.get_response(request)
