"""What the web editor needs to build its forms and menus, derived from the registry, with the
texts of the page's language (the registry's own pt/en labels and the script's catalogue)."""

from __future__ import annotations

from typing import Any

from sig.editing.accounts import Actor
from sig.i18n import javascript_catalog
from sig.registry import Attribute, AttributeType, Registry, Theme, get_registry
from sig.territory.models import Municipio
from sig.tilegrid import browser_config


def attribute_schema(theme: Theme, attribute: Attribute, registry: Registry,
                     lang: str = "pt") -> dict:
    """One form field: type, label, help text, required, limits and code list."""
    field: dict[str, Any] = {
        "name": attribute.name, "type": attribute.type.value,
        "title": getattr(attribute.title, lang),
        "help": getattr(attribute.description, lang) if attribute.description else "",
        "required": attribute.required, "max_length": attribute.max_length,
        "min": attribute.min, "max": attribute.max, "unit": attribute.unit,
    }
    if attribute.type is AttributeType.CODE:
        codes = registry.codelist(theme.id, attribute.codelist or "")
        field["codes"] = [{"code": c.code, "label": getattr(c.label, lang)} for c in codes]
    return field


def theme_schema(theme: Theme, registry: Registry, lang: str = "pt") -> dict:
    return {
        "id": theme.id, "title": getattr(theme.title, lang), "group": getattr(theme.group, lang),
        "geometry": theme.geometry.value,
        "label": theme.style.label.attribute if theme.style.label else None,
        "attributes": [attribute_schema(theme, a, registry, lang) for a in theme.attributes],
    }


def editor_config(actor: Actor, lang: str = "pt") -> dict:
    """The editor's start-up data (served inside the page as JSON, never as script), with the
    `djangojs` catalogue of the active language as the web map's."""
    registry = get_registry()
    return {
        "lang": lang, "catalog": javascript_catalog(),
        "user": {"username": actor.username, "role": actor.role,
                 "municipios": list(actor.municipios)},
        "municipios": list(Municipio.objects.order_by("nome").values("dico", "nome")),
        "themes": [theme_schema(theme, registry, lang) for theme in registry],
        "api": "/editor/api",
        "import_url": "/editor/api/importacoes",
        "pttm06": browser_config(),  # projection and tile grid of the editing map
    }
