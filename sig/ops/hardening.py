"""Production safety: settings the service refuses to start with, and the security settings.

Plain functions over `sig.conf.Settings` (no Django import): `sig/settings.py` calls them
while Django loads, so gunicorn, `sig` commands and the container all refuse alike.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from sig.conf import Settings

DEFAULT_SECRET_KEY = Settings.secret_key
MIN_SECRET_LENGTH = 32
PLACEHOLDERS = ("change-me", "changeme", "collectstatic-build-only")


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
    behind_proxy = settings.proxy_count > 0
    return {
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "SAMEORIGIN",
        # HSTS is only ever sent on HTTPS responses (Django checks request.is_secure()).
        "SECURE_HSTS_SECONDS": settings.hsts_seconds if settings.production else 0,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if behind_proxy else None,
        "SECURE_SSL_REDIRECT": settings.https_only,
        "SECURE_REDIRECT_EXEMPT": [r"^healthz$", r"^readyz$"],
        "SESSION_COOKIE_SECURE": settings.https_only,
        "CSRF_COOKIE_SECURE": settings.https_only,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
