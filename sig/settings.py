"""Django settings, built from the typed settings in `sig.conf` (which alone reads the env)."""

from urllib.parse import unquote, urlsplit

from sig.conf import BASE_DIR, get_settings

SIG = get_settings()


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
    "sig.ops",
    "sig.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
            ],
        },
    },
]

DATABASES = {"default": _database(SIG.url_for(SIG.database_role))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "pt-pt"
LANGUAGES = [("pt-pt", "Português"), ("en", "English")]
TIME_ZONE = "Europe/Lisbon"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = SIG.var_dir / "static"
STATICFILES_DIRS = [BASE_DIR / "node_modules"] if (BASE_DIR / "node_modules").is_dir() else []

MIGRATION_MODULES: dict[str, str] = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
