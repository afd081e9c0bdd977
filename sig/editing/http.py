"""HTTP plumbing shared by the editing API and the editor's endpoints: authentication (session
with CSRF, API token, or HTTP Basic with the person's password or a token), JSON bodies with
limits, and OGC exception responses."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sig import http
from sig.editing import passwords
from sig.editing.accounts import ANONYMOUS, Actor, actor_for, user_for_token
from sig.editing.errors import EditingError
from sig.ops import ratelimit

log = logging.getLogger(__name__)

# Largest request body accepted by the editing API (bytes); Django's own default limit.
MAX_BODY_BYTES = 2_621_440
JSON_TYPES = ("application/json", "application/geo+json", "application/merge-patch+json")
_CSRF = CsrfViewMiddleware(lambda request: HttpResponse())
BEARER_CHALLENGE = 'Bearer realm="sig"'
# Clients of the OGC API (QGIS) may answer a Basic challenge; the web editor's pages must not
# get one (a browser would pop up its own sign-in dialog).
BASIC_CHALLENGE = f'Basic realm="sig", charset="UTF-8", {BEARER_CHALLENGE}'


class Respond(Exception):
    """A ready response to send back as is (e.g. 429 from the shared rate limiter)."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


class Unauthorized(EditingError):
    status = 401
    code = "Unauthorized"


def _basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthorized(gettext("credenciais Basic ilegíveis")) from exc
    username, _, password = decoded.partition(":")
    return username, password


def _token_user(request: HttpRequest, key: str):
    """The person of an API token, counted against the token's rate."""
    user = user_for_token(key)
    if user is None:
        return None
    limited = ratelimit.check_token(request, hashlib.sha256(key.encode()).hexdigest())
    if limited is not None:
        raise Respond(limited)
    return user


def _password_user(request: HttpRequest, username: str, password: str):
    """The person of HTTP Basic credentials, under the same failed-login limit as the sign-in
    page. A verified pair is remembered briefly (QGIS sends it with every request)."""
    blocked = ratelimit.login_blocked(request, username)
    if blocked is not None:
        raise Respond(blocked)
    user = passwords.verify(request, username, password)  # a failure is counted by sig.ops
    if user is None:
        raise Unauthorized(gettext("utilizador ou palavra-passe errados"))
    return user


def _user_from_header(request: HttpRequest, header: str):
    scheme, _, credentials = header.partition(" ")
    scheme = scheme.lower()
    if scheme in ("token", "bearer"):
        user = _token_user(request, credentials.strip())
    elif scheme == "basic":
        username, password = _basic(credentials)
        # The password may be an API token (any user name), or the person's own password.
        user = _token_user(request, password) or _password_user(request, username, password)
    else:
        raise Unauthorized(gettext("esquema de autenticação não suportado: %(scheme)s (use "
                                   "Basic, Token ou Bearer)")
                           % {"scheme": scheme or gettext("(vazio)")})
    if user is None:
        raise Unauthorized(gettext("token de API inválido ou revogado"))
    return user


def authenticate(request: HttpRequest) -> tuple[Actor, bool]:
    """The acting person and whether they came by session (which then needs CSRF)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return actor_for(_user_from_header(request, header)), False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return actor_for(user), True
    return ANONYMOUS, False


def require_person(request: HttpRequest) -> Actor:
    """The authenticated person of a write; session writes must pass the CSRF check."""
    actor, via_session = authenticate(request)
    if not actor.is_authenticated:
        raise Unauthorized(gettext("autenticação necessária: inicie sessão ou envie um token "
                                   "de API"))
    if via_session and _CSRF.process_view(request, None, (), {}) is not None:
        raise EditingError(gettext("pedido recusado: falta o token CSRF ou é inválido"),
                           status=403,
                           code="Forbidden")
    return actor


def read_json(request: HttpRequest) -> Any:
    """The JSON body, refusing oversized, non-JSON and non-standard numbers (NaN, Infinity)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise _too_large()
    content_type = request.content_type or ""
    if content_type and content_type not in JSON_TYPES:
        raise EditingError(gettext("tipo de conteúdo não suportado: %(type)s (use "
                                   "application/geo+json)") % {"type": content_type},
                           status=415, code="UnsupportedMediaType")
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise _too_large() from exc
    try:
        return json.loads(raw or b"null", parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EditingError(gettext("o corpo do pedido não é JSON válido: %(reason)s")
                           % {"reason": exc}) from exc


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} não é um número JSON")


def _too_large() -> EditingError:
    return EditingError(gettext("pedido demasiado grande (máximo %(kib)s KiB)")
                        % {"kib": MAX_BODY_BYTES // 1024}, status=413, code="PayloadTooLarge")


def error_response(exc: EditingError, challenge: str = BEARER_CHALLENGE) -> HttpResponse:
    response = http.error_response(exc)
    if exc.status == 401:
        response["WWW-Authenticate"] = challenge
    return response


def json_response(data: Any, status: int = 200, content_type: str = "application/json",
                  **headers: str) -> HttpResponse:
    response = JsonResponse(data, status=status, safe=False, content_type=content_type,
                            json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def api_view(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render EditingErrors as OGC exception JSON; log anything else and answer 500 (in the
    request's language)."""
    @wraps(func)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return func(request, *args, **kwargs)
        except Respond as exc:
            return exc.response
        except EditingError as exc:
            log.info("edit refused (%s %s): %s %s", request.method, request.path, exc.status,
                     exc.message)
            editor = request.path.startswith("/editor/")
            return error_response(exc, BEARER_CHALLENGE if editor else BASIC_CHALLENGE)
        except Exception:
            log.exception("editing request failed: %s %s", request.method, request.path)
            message = gettext("erro interno ao processar o pedido; foi registado")
            return error_response(EditingError(message, status=500, code="ServerError"))
    return wrapper


def get_endpoint(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A GET endpoint of the editor, its errors rendered by `api_view`."""
    return require_GET(api_view(func))


def post_endpoint(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A POST endpoint of the editor, its errors rendered by `api_view`. Django's CSRF check is
    off: `require_person` checks CSRF on session writes and lets token writes through."""
    return csrf_exempt(require_POST(api_view(func)))
