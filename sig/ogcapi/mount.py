"""pygeoapi inside the Django service: configuration, API objects and runtime extents.

`pygeoapi-config.yml` (derived from the registry) holds `${VAR}` references; they are
resolved here from `sig.conf` (nothing reads the environment). One pygeoapi `API` object is
kept per public base URL (the URL is part of every link). Extents are computed from the data
and written into the live configuration when a collection changes.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

import yaml
from django.http import HttpRequest
from django.urls import get_script_prefix
from pygeoapi.api import API

from sig.conf import BASE_DIR, get_settings
from sig.crs import CRS84_URI

MOUNT = "ogcapi"
CONFIG_FILE = BASE_DIR / "pygeoapi-config.yml"
TEMPLATES_DIR = Path(__file__).parent / "templates" / "pygeoapi"
VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
WORLD = [-180.0, -90.0, 180.0, 90.0]

# pygeoapi's localisation helper warns about every configuration key that is not a language.
logging.getLogger("pygeoapi.l10n").setLevel(logging.ERROR)


class ConfigError(RuntimeError):
    """The pygeoapi configuration cannot be loaded; the message names the problem."""


def base_url(request: HttpRequest) -> str:
    """Absolute URL of the API's landing page, without a trailing slash."""
    public = get_settings().public_url.rstrip("/")
    if public:
        return f"{public}/{MOUNT}"
    return request.build_absolute_uri(f"{get_script_prefix()}{MOUNT}")


def deployment_values(base: str) -> dict[str, str]:
    """Values of the `${VAR}` references, from the settings and the API's base URL."""
    settings = get_settings()
    public = settings.public_url.rstrip("/") or base.rsplit(f"/{MOUNT}", 1)[0]
    return {
        "SIG_OGCAPI_URL": base,
        "SIG_PUBLIC_URL": public,
        "SIG_DATABASE_READER_URL": settings.database_reader_url,
        "SIG_OGCAPI_TEMPLATES": str(TEMPLATES_DIR),
    }


def resolve(text: str, values: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise ConfigError(f"{CONFIG_FILE.name}: variável desconhecida ${{{name}}}")
        return values[name]

    return VARIABLE.sub(replace, text)


@lru_cache(maxsize=1)
def _config_text() -> str:
    try:
        return CONFIG_FILE.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"não foi possível ler {CONFIG_FILE.name}: {exc}; corra `sig derive`"
                          ) from exc


def _resolve_values(node: object, values: dict[str, str]) -> object:
    if isinstance(node, str):
        return resolve(node, values)
    if isinstance(node, dict):
        return {key: _resolve_values(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_values(value, values) for value in node]
    return node


def load_config(base: str) -> dict:
    """The pygeoapi configuration for `base`, with placeholder extents."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    config = _resolve_values(yaml.load(_config_text(), Loader=loader), deployment_values(base))
    assert isinstance(config, dict)
    for resource in config["resources"].values():
        resource.setdefault("extents", {"spatial": {"bbox": list(WORLD), "crs": CRS84_URI}})
    return config


_lock = threading.Lock()
_apis: dict[str, API] = {}
MAX_APIS = 8


def get_api(base: str) -> API:
    """The pygeoapi API object for one base URL (a handful at most: host names are checked
    by Django's ALLOWED_HOSTS)."""
    api = _apis.get(base)
    if api is None:
        with _lock:
            api = _apis.get(base)
            if api is None:
                from sig.ogcapi.openapi import openapi_document

                config = load_config(base)
                api = API(config, openapi_document(config))
                # the templates use only the server and metadata sections
                api.tpl_config = {key: value for key, value in api.tpl_config.items()
                                  if key != "resources"}
                if len(_apis) >= MAX_APIS:
                    _apis.pop(next(iter(_apis)))
                _apis[base] = api
    return api


def set_extent(api: API, collection_id: str, bbox: list[float] | None,
               interval: list[str | None] | None) -> None:
    """Write a collection's data extent into the live configuration."""
    extents: dict = {"spatial": {"bbox": bbox or list(WORLD), "crs": CRS84_URI}}
    if interval:
        extents["temporal"] = {"begin": interval[0], "end": interval[1],
                               "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    resources = api.config["resources"]
    if resources[collection_id].get("extents") != extents:
        updated = copy.copy(resources[collection_id])
        updated["extents"] = extents
        resources[collection_id] = updated


def reset() -> None:
    """Forget loaded configurations (after `sig derive` in a running process, and in tests)."""
    with _lock:
        _apis.clear()
    _config_text.cache_clear()
