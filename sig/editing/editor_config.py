"""What the web editor needs to build its forms and menus, derived from the registry."""

from __future__ import annotations

from typing import Any

from sig.editing.accounts import Actor
from sig.registry import Attribute, AttributeType, Registry, Theme, get_registry
from sig.territory.models import Municipio
from sig.tilegrid import browser_config


def attribute_schema(theme: Theme, attribute: Attribute, registry: Registry) -> dict:
    """One form field: type, label, help text, required, limits and code list."""
    field: dict[str, Any] = {
        "name": attribute.name, "type": attribute.type.value, "title": attribute.title.pt,
        "help": attribute.description.pt if attribute.description else "",
        "required": attribute.required, "max_length": attribute.max_length,
        "min": attribute.min, "max": attribute.max, "unit": attribute.unit,
    }
    if attribute.type is AttributeType.CODE:
        codes = registry.codelist(theme.id, attribute.codelist or "")
        field["codes"] = [{"code": c.code, "label": c.label.pt} for c in codes]
    return field


def theme_schema(theme: Theme, registry: Registry) -> dict:
    return {
        "id": theme.id, "title": theme.title.pt, "group": theme.group.pt,
        "geometry": theme.geometry.value,
        "label": theme.style.label.attribute if theme.style.label else None,
        "attributes": [attribute_schema(theme, a, registry) for a in theme.attributes],
    }


def editor_config(actor: Actor) -> dict:
    """The editor's start-up data (served inside the page as JSON, never as script)."""
    registry = get_registry()
    return {
        "user": {"username": actor.username, "role": actor.role,
                 "municipios": list(actor.municipios)},
        "municipios": list(Municipio.objects.order_by("nome").values("dico", "nome")),
        "themes": [theme_schema(theme, registry) for theme in registry],
        "api": "/editor/api",
        "import_url": "/editor/api/importacoes",
        "pttm06": browser_config(),  # projection and tile grid of the editing map
    }
