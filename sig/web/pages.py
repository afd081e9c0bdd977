"""Rendering of public pages with the chosen language (sig.i18n) and the shared layout."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sig.i18n import choose_language
from sig.opendata import publisher


def switch_url(request: HttpRequest, lang: str) -> str:
    """The current address in the other language."""
    query = request.GET.copy()
    query["lang"] = "en" if lang == "pt" else "pt"
    return f"{request.path}?{urlencode(sorted(query.items()))}"


def language_context(request: HttpRequest) -> dict[str, Any]:
    """The page's language, its `<html lang>` and the address of the other language (a
    context processor: the editing area's pages get it too)."""
    lang = choose_language(request)
    return {"lang": lang, "html_lang": "pt-PT" if lang == "pt" else "en",
            "switch_url": switch_url(request, lang)}


def base_context(request: HttpRequest) -> dict[str, Any]:
    return {
        **language_context(request), "licence_name": publisher.LICENCE_NAME,
        "licence_url": publisher.LICENCE_URL, "credit": publisher.CREDIT,
        "contact_email": publisher.CONTACT_EMAIL,
    }


def render_page(request: HttpRequest, template: str, context: dict[str, Any],
                status: int = 200) -> HttpResponse:
    """Render `template` with the layout context."""
    return render(request, template, base_context(request) | context, status=status)


def localized(value: Any, lang: str) -> Any:
    """Pick one language out of {"pt": ..., "en": ...} dictionaries (others pass through)."""
    if isinstance(value, dict) and set(value) <= {"pt", "en"} and value:
        return value.get(lang) or value.get("pt")
    return value
