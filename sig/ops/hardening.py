"""Production safety: settings the service refuses to start with, and the security settings.

Plain functions over `sig.conf.Settings` (no Django import): `sig/settings.py` calls them
while Django loads, so gunicorn, `sig` commands and the container all refuse alike. The
security headers are defined once here, for Django's settings and for the WSGI applications
beside Django (`response_headers`, used by the maps service).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from sig.conf import Settings

DEFAULT_SECRET_KEY = Settings.secret_key
MIN_SECRET_LENGTH = 32
PLACEHOLDERS = ("change-me", "changeme", "collectstatic-build-only")
REFERRER_POLICY = "same-origin"
OPENER_POLICY = "same-origin"
FRAME_OPTIONS = "SAMEORIGIN"
PERMISSIONS_POLICY = "camera=(), microphone=(), payment=(), usb=()"
# The only X-Forwarded-Proto value that makes a request secure behind the TLS proxy.
FORWARDED_HTTPS = ("HTTP_X_FORWARDED_PROTO", "https")


class UnsafeSettings(ImproperlyConfigured):
    """Production settings that must not be used; the message names each variable."""


def _secret_problem(key: str) -> str | None:
    if key == DEFAULT_SECRET_KEY:
        return "SIG_SECRET_KEY não está definida (a chave de desenvolvimento não serve)"
    if any(word in key.lower() for word in PLACEHOLDERS):
        return "SIG_SECRET_KEY é um valor de exemplo: gere uma chave aleatória"
    if len(key) < MIN_SECRET_LENGTH or len(set(key)) < 10:
        return f"SIG_SECRET_KEY é curta ou repetitiva (mínimo {MIN_SECRET_LENGTH} caracteres)"
    return None


def _hosts_problem(hosts: tuple[str, ...]) -> str | None:
    if not hosts:
        return "SIG_ALLOWED_HOSTS está vazia: indique os nomes do serviço"
    if any(h.strip() in {"*", ".", ""} for h in hosts):
        return "SIG_ALLOWED_HOSTS aceita qualquer nome ('*'): indique os nomes do serviço"
    return None


def production_problems(settings: Settings) -> list[str]:
    """Why these settings are unsafe for production (empty when they are fine)."""
    problems = []
    if settings.debug:
        problems.append("SIG_DEBUG está ligado: desligue-o (SIG_DEBUG=false)")
    for problem in (_secret_problem(settings.secret_key), _hosts_problem(settings.allowed_hosts)):
        if problem:
            problems.append(problem)
    return problems


def require_safe(settings: Settings) -> None:
    """Raise UnsafeSettings in production when any problem is found."""
    if not settings.production:
        return
    problems = production_problems(settings)
    if problems:
        raise UnsafeSettings("configuração insegura para produção (SIG_ENV=production):\n  - "
                             + "\n  - ".join(problems))


def security_settings(settings: Settings) -> dict:
    """Django security settings for this deployment (HSTS, cookies, proxy, frames)."""
    secure_cookies = settings.https_only or settings.production
    return {
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": REFERRER_POLICY,
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": OPENER_POLICY,
        "X_FRAME_OPTIONS": FRAME_OPTIONS,
        # HSTS is only ever sent on HTTPS responses (Django checks request.is_secure()).
        "SECURE_HSTS_SECONDS": settings.hsts_seconds if settings.production else 0,
        "SECURE_PROXY_SSL_HEADER": FORWARDED_HTTPS if settings.tls_proxy else None,
        "SECURE_SSL_REDIRECT": settings.https_only,
        "SECURE_REDIRECT_EXEMPT": [r"^healthz$", r"^readyz$"],
        # Production cookies travel only over HTTPS and never reach scripts (the editor
        # reads its CSRF token from the page, not from the cookie).
        "SESSION_COOKIE_SECURE": secure_cookies,
        "CSRF_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
    }


def is_secure(environ: dict, settings: Settings) -> bool:
    """Did the client use HTTPS? (Django's request.is_secure() for a WSGI environ.)"""
    name, value = FORWARDED_HTTPS
    if settings.tls_proxy and environ.get(name) is not None:
        return environ[name].split(",")[0].strip() == value
    return environ.get("wsgi.url_scheme") == "https"


def response_headers(settings: Settings, secure: bool) -> list[tuple[str, str]]:
    """The security headers Django's middleware gives its responses (sig.settings), for the
    WSGI applications that answer beside Django."""
    headers = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", REFERRER_POLICY),
               ("Cross-Origin-Opener-Policy", OPENER_POLICY), ("X-Frame-Options", FRAME_OPTIONS),
               ("Permissions-Policy", PERMISSIONS_POLICY)]
    if settings.csp:
        headers.append(("Content-Security-Policy", settings.csp))
    if secure and settings.production and settings.hsts_seconds:
        headers.append(("Strict-Transport-Security", f"max-age={settings.hsts_seconds}"))
    return headers
