"""Django settings, built from the typed settings in `sig.conf` (which alone reads the env)."""

from urllib.parse import unquote, urlsplit

from sig.conf import BASE_DIR, get_settings
from sig.ops.hardening import require_safe, security_settings
from sig.ops.logs import logging_config

SIG = get_settings()
require_safe(SIG)  # production refuses DEBUG, the default secret key and open ALLOWED_HOSTS


def _database(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": parts.path.lstrip("/"),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"application_name": "sig-web", "connect_timeout": 5},
        "TEST": {"NAME": parts.path.lstrip("/")},
    }


SECRET_KEY = SIG.secret_key
DEBUG = SIG.debug
ALLOWED_HOSTS = list(SIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "sig.core",
    "sig.territory",
    "sig.themes",
    "sig.importing",
    "sig.ogcapi",
    "sig.maps",
    "sig.editing",
    "sig.opendata",
    "sig.ocorrencias",
    "sig.ops",
    "sig.web",
]

MIDDLEWARE = [
    "sig.ops.middleware.RequestLogMiddleware",
    "sig.ops.middleware.DatabaseUnavailableMiddleware",
    "sig.ops.middleware.CleartextCredentialsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "sig.ops.middleware.SecurityHeadersMiddleware",
    "sig.ops.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sig.i18n.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sig.ops.middleware.LoginRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sig.urls"
WSGI_APPLICATION = "sig.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sig.web.pages.language_context",
            ],
        },
    },
]

DATABASES = {"default": _database(SIG.url_for(SIG.database_role))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in (sig.editing): pages, a working-day session, and password rules.
LOGIN_URL = "/editor/entrar/"
LOGIN_REDIRECT_URL = "/editor/"
LOGOUT_REDIRECT_URL = "/editor/entrar/"
SESSION_COOKIE_AGE = 8 * 3600
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "pt-pt"
LANGUAGES = [("pt-pt", "Português"), ("en", "English")]
# gettext catalogues (msgid: the pt-PT text); `?lang=en` chooses English, kept in this cookie.
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "sig_lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Lisbon"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = SIG.var_dir / "static"

MIGRATION_MODULES: dict[str, str] = {}

LOGGING = logging_config(SIG.log_format, SIG.log_level)

# Security headers and cookies: SECURE_*, X_FRAME_OPTIONS, SESSION_/CSRF_COOKIE_* (sig.ops).
globals().update(security_settings(SIG))
SIG_CSP = SIG.csp
# Production refuses credentials over plain HTTP (sig.ops.middleware); SIG_TLS_PROXY says
# whether X-Forwarded-Proto can tell that a request came over HTTPS.
SIG_PRODUCTION = SIG.production
SIG_PROXY_COUNT = SIG.proxy_count
# Request size limits: whole body (uploads included), and non-file data read into memory.
SIG_MAX_UPLOAD_SIZE = SIG.max_upload_mb * 1_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = SIG.max_body_mb * 1_000_000
# Rate limits (sig.ops.ratelimit): failed logins per user name / per address, API per token.
SIG_LOGIN_RATE = SIG.login_rate
SIG_LOGIN_IP_RATE = SIG.login_ip_rate
SIG_API_TOKEN_RATE = SIG.api_token_rate
