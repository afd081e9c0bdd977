"""HTML pages (pt-PT) rendered with the project's pygeoapi templates (no external assets)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest
from pygeoapi.util import render_j2_template

from sig.http import bad_request
from sig.ogcapi.collections import Collection
from sig.ogcapi.mount import base_url, get_api
from sig.ogcapi.params import ItemsQuery, negotiate


def to_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, default=str).encode()


def wants_html(request: HttpRequest, allowed: tuple[str, ...] = ("json", "html")) -> bool:
    """HTML or JSON, from `f` (checked against `allowed`) or the Accept header."""
    fmt = request.GET.get("f")
    if fmt is not None:
        if fmt.lower() not in allowed:
            raise bad_request(f"f: formato não suportado: {fmt!r} (suportados: "
                              f"{', '.join(allowed)})")
        return fmt.lower() == "html"
    return negotiate(request.headers.get("Accept", ""),
                     (("application/json", "json"), ("text/html", "html")), "json") == "html"


def variant(request: HttpRequest) -> str:
    key = f"{request.get_full_path()}|{request.headers.get('Accept', '')}|" \
          f"{request.headers.get('Accept-Language', '')}"
    return hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


def render(request: HttpRequest, template: str, data: dict) -> str:
    api = get_api(base_url(request))
    locale = api.default_locale
    return render_j2_template(api.tpl_config, api.config["server"]["templates"], template,
                              dict(data, base_url=base_url(request)), locale)


def items_page(request: HttpRequest, root: str, collection: Collection, document: dict,
               query: ItemsQuery) -> str:
    data = dict(document, collection=_collection_info(root, collection),
                columns=list(query.properties or collection.property_names),
                offset=query.offset, limit=query.limit)
    return render(request, "collections/items/index.html", data)


def item_page(request: HttpRequest, root: str, collection: Collection, document: dict) -> str:
    data = dict(document, collection=_collection_info(root, collection))
    return render(request, "collections/items/item.html", data)


def _collection_info(root: str, collection: Collection) -> dict:
    return {"id": collection.id, "title": collection.title["pt"],
            "url": f"{root}/collections/{collection.id}",
            "titles": {p.name: p.title["pt"] for p in collection.properties}}
