"""The interface language of a request, with Django's translation machinery.

pt-PT unless the visitor chose English (`?lang=en`, remembered in Django's language cookie,
`LANGUAGE_COOKIE_NAME`); the browser's Accept-Language is not used, so the default stays pt-PT.
Texts live in the gettext catalogues under `locale/` (`django` for templates and Python,
`djangojs` for the web map's script); their msgids are the pt-PT texts, so pt-PT pages show
the source text itself and English comes from `locale/en`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation
from django.views.i18n import JavaScriptCatalog

# `?lang=` values and the languages they activate; the data's own short codes are the keys.
LANGUAGES = {"pt": "pt-pt", "en": "en"}


def _from_cookie(request: HttpRequest) -> str | None:
    saved = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return LANGUAGES.get(saved) or (saved if saved in LANGUAGES.values() else None)


def _remember(response: HttpResponse, asked: str) -> None:
    """Keep an explicit choice for later pages (set on pages only, never on data answers)."""
    if response.get("Content-Type", "").startswith("text/html"):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, asked,
                            max_age=settings.LANGUAGE_COOKIE_AGE,
                            samesite=settings.LANGUAGE_COOKIE_SAMESITE)


class LanguageMiddleware:
    """Activates `?lang=`, else the language cookie, else `LANGUAGE_CODE` (pt-PT), for the
    request only (the thread's language is restored afterwards)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        asked = request.GET.get("lang", "")
        language = LANGUAGES.get(asked) or _from_cookie(request) or settings.LANGUAGE_CODE
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        if asked in LANGUAGES:
            _remember(response, asked)
        response.headers.setdefault("Content-Language", language)
        return response


def choose_language(request: HttpRequest | None = None) -> str:
    """The active interface language as the data's short code: "pt" or "en"."""
    return "en" if translation.get_language() == "en" else "pt"


@lru_cache(maxsize=8)
def _javascript_catalog(language: str) -> dict[str, Any]:
    view = JavaScriptCatalog(domain="djangojs")
    view.translation = DjangoTranslation(language, domain="djangojs",
                                         localedirs=settings.LOCALE_PATHS)
    return view.get_catalog()


def javascript_catalog() -> dict[str, Any]:
    """The `djangojs` catalogue of the active language (msgid → text), as Django's
    JavaScriptCatalog gives it; the page embeds it in its configuration."""
    return dict(_javascript_catalog(translation.get_language()))
