"""Production refuses unsafe settings; the security settings it runs with."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import replace

import pytest

from sig.conf import BASE_DIR, Settings
from sig.ops.hardening import UnsafeSettings, production_problems, require_safe

GOOD_KEY = "k7Qz-2mVwP9xR4sT1uY6bN8cD3eF5gH0jL_aZ"


def _prod(**changes) -> Settings:
    base = Settings(env="production", debug=False, secret_key=GOOD_KEY,
                    allowed_hosts=("sig.example.org",))
    return replace(base, **changes)


def test_safe_production_settings_pass():
    assert production_problems(_prod()) == []
    require_safe(_prod())


@pytest.mark.parametrize(("changes", "named"), [
    ({"debug": True}, "SIG_DEBUG"),
    ({"secret_key": Settings.secret_key}, "SIG_SECRET_KEY não está definida"),
    ({"secret_key": "change-me-secret-key-0123456789abcdef"}, "valor de exemplo"),
    ({"secret_key": "curta"}, "curta ou repetitiva"),
    ({"secret_key": "a" * 60}, "curta ou repetitiva"),
    ({"allowed_hosts": ("*",)}, "qualquer nome"),
    ({"allowed_hosts": ()}, "vazia"),
])
def test_each_unsafe_setting_is_refused_and_named(changes, named):
    with pytest.raises(UnsafeSettings, match=named):
        require_safe(_prod(**changes))


def test_development_is_not_checked():
    require_safe(replace(_prod(debug=True, allowed_hosts=("*",)), env="development"))


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Load the service the way gunicorn does (sig.wsgi), in a clean process."""
    code = ("import json, sig.wsgi\nfrom django.conf import settings as s\n"
            "print(json.dumps({n: getattr(s, n) for n in ('DEBUG', 'SECURE_HSTS_SECONDS', "
            "'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_HTTPONLY', 'X_FRAME_OPTIONS', "
            "'SIG_MAX_UPLOAD_SIZE', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
            "'CSRF_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SAMESITE', "
            "'SIG_PRODUCTION')}))\n"
            "print(s.LOGGING['formatters']['main'])")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIG_")}
    return subprocess.run([sys.executable, "-c", code], env=clean | env, cwd=BASE_DIR,
                          capture_output=True, text=True, timeout=60)


def test_the_service_refuses_to_start_in_production_with_unsafe_settings():
    result = _load_settings({"SIG_ENV": "production", "SIG_DEBUG": "true",
                             "SIG_ALLOWED_HOSTS": "*"})
    assert result.returncode != 0
    assert "configuração insegura para produção" in result.stderr
    for named in ("SIG_DEBUG está ligado", "SIG_SECRET_KEY não está definida",
                  "SIG_ALLOWED_HOSTS aceita qualquer nome"):
        assert named in result.stderr


def _production_values(**env: str) -> tuple[dict, str]:
    result = _load_settings({"SIG_ENV": "production", "SIG_SECRET_KEY": secrets.token_urlsafe(50),
                             "SIG_ALLOWED_HOSTS": "sig.example.org", **env})
    assert result.returncode == 0, result.stderr
    values_line, formatter_line = result.stdout.strip().splitlines()[-2:]
    return json.loads(values_line), formatter_line


def test_production_defaults_are_safe():
    values, formatter_line = _production_values()
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["X_FRAME_OPTIONS"] == "SAMEORIGIN"
    assert values["SIG_MAX_UPLOAD_SIZE"] == 200_000_000
    assert "JsonFormatter" in formatter_line


def test_production_cookies_are_secure_and_forwarded_proto_needs_the_tls_proxy():
    values, _ = _production_values()
    assert values["SIG_PRODUCTION"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # X-Forwarded-Proto is anyone's to send
    behind_tls, _ = _production_values(SIG_TLS_PROXY="true")
    assert behind_tls["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
