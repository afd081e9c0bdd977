"""WMS GetFeatureInfo as HTML, written from MapServer's GeoJSON with the registry's words.

MapProxy merges the JSON answers of every queried layer; each feature carries its layer in
the `camada` attribute. The HTML shows one table per layer, with the attributes' pt-PT titles
and the code lists' labels instead of raw codes.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import parse_qsl, urlencode

from sig.maps.vocabulary import LAYER_ATTRIBUTE
from sig.registry import Registry, get_registry

HIDDEN = {LAYER_ATTRIBUTE}
FIXED_TITLES = {"id": "Identificador", "municipio": "Município", "freguesia": "Freguesia"}


def wants_html(environ) -> bool:
    params = {k.lower(): v for k, v in parse_qsl(environ.get("QUERY_STRING", ""))}
    return (params.get("request", "").lower() in ("getfeatureinfo", "feature_info")
            and params.get("info_format", "").lower().startswith("text/html"))


def _with_json(query: str) -> str:
    pairs = [(k, "application/json" if k.lower() == "info_format" else v)
             for k, v in parse_qsl(query, keep_blank_values=True)]
    return urlencode(pairs)


def _labels(registry: Registry, theme_id: str) -> tuple[dict[str, str], dict[str, dict]]:
    """Attribute titles and, per code attribute, code → label."""
    if theme_id not in registry:
        return dict(FIXED_TITLES), {}
    theme = registry[theme_id]
    titles = dict(FIXED_TITLES) | {a.name: a.title.pt for a in theme.attributes}
    codes = {a.name: {v.code: v.label.pt for v in registry.codelist(theme_id, a.codelist)}
             for a in theme.attributes if a.codelist}
    return titles, codes


def _rows(properties: dict, titles: dict[str, str], codes: dict[str, dict]) -> str:
    cells = []
    for name, value in properties.items():
        if name in HIDDEN or value is None or value == "":
            continue
        shown = codes.get(name, {}).get(str(value), value)
        cells.append(f"<tr><th>{escape(titles.get(name, name))}</th>"
                     f"<td>{escape(str(shown))}</td></tr>")
    return "".join(cells)


def _layer_title(registry: Registry, layer: str) -> str:
    return registry[layer].title.pt if layer in registry else layer


def render(collection: dict, registry: Registry | None = None) -> str:
    """An HTML fragment document for a GeoJSON FeatureCollection."""
    registry = registry or get_registry()
    by_layer: dict[str, list[dict]] = {}
    for feature in collection.get("features", []):
        layer = str(feature.get("properties", {}).get(LAYER_ATTRIBUTE, ""))
        by_layer.setdefault(layer, []).append(feature.get("properties", {}))
    parts = ['<!DOCTYPE html><html lang="pt"><head><meta charset="utf-8">'
             "<title>Informação dos elementos</title></head><body>"]
    if not by_layer:
        parts.append("<p>Nenhum elemento neste ponto.</p>")
    for layer, features in by_layer.items():
        titles, codes = _labels(registry, layer)
        parts.append(f'<table class="sig-info" data-camada="{escape(layer)}">'
                     f"<caption>{escape(_layer_title(registry, layer))}</caption>")
        parts += [f"<tbody>{_rows(props, titles, codes)}</tbody>" for props in features]
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def as_html(app, environ, start_response):
    """Ask `app` for JSON, answer HTML (exceptions pass through unchanged)."""
    environ["QUERY_STRING"] = _with_json(environ.get("QUERY_STRING", ""))
    captured: dict = {}

    def capture(status, headers, exc_info=None):
        captured.update(status=status, headers=headers)

    body = b"".join(app(environ, capture))
    content_type = dict((k.lower(), v) for k, v in captured["headers"]).get("content-type", "")
    if not captured["status"].startswith("200") or "json" not in content_type and body:
        start_response(captured["status"], captured["headers"])
        return [body]
    html = render(json.loads(body) if body.strip() else {}).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(html)))])
    return [html]
