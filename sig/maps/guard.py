"""The entry of every /maps request: checks before MapProxy, security headers after it.

`Guard` is the single entry point of the maps service (`sig.maps.wsgi.mount`):

- headers that would steer MapProxy's paths and URLs are dropped (`X-Script-Name`,
  `X-Forwarded-Host`; `X-Forwarded-Proto` unless SIG_TLS_PROXY) and the Host must be one of
  SIG_ALLOWED_HOSTS, as Django demands;
- the path must have one of the forms the service publishes (`route`). MapProxy picks a
  service by the first word of the path and ignores the rest for KVP services (so
  `/service/x` or `/service.php` would reach WMS unchecked) and finds tiles anywhere in a
  path; any other form is a 404;
- parameters are checked: bad input gets an OGC ServiceException (HTTP 400). MapProxy
  validates much itself, but answers some bad input with HTTP 500 (a BBOX or a tile row that
  is not a number, a negative WIDTH) or with a blank image (NaN or absurd BBOX), and it
  accepts a WIDTH of 100 000 pixels if the other side is small. Exceptions MapProxy raises
  for bad input keep their OGC code and get status 400;
- every answer carries the security headers of the rest of the service.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from django.http.request import split_domain_port, validate_host

from sig.conf import Settings, get_settings
from sig.ops.hardening import is_secure, response_headers

# Largest WMS image side (pixels); MapServer's MAXSIZE is the same.
MAX_SIZE = 4096
# Largest absolute coordinate of a projected BBOX (twice the Web Mercator world).
MAX_PROJECTED = 4.0e7
GEOGRAPHIC = {"EPSG:4326", "EPSG:4258", "CRS:84"}
# OGC exception codes that name a client error.
INPUT_CODES = {
    "LayerNotDefined", "StyleNotDefined", "InvalidCRS", "InvalidSRS", "InvalidFormat",
    "InvalidPoint", "LayerNotQueryable", "OperationNotSupported", "MissingParameterValue",
    "InvalidParameterValue", "TileOutOfRange", "InvalidDimensionValue",
    "MissingDimensionValue",
}

EXCEPTION_XML = """<?xml version="1.0" encoding="UTF-8"?>
<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc">
<ServiceException code="{code}">{message}</ServiceException>
</ServiceExceptionReport>
"""
# WMTS and tiles answer in the OWS 1.1 form.
OWS_EXCEPTION_XML = """<?xml version="1.0" encoding="UTF-8"?>
<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" version="1.0.0" xml:lang="pt">
<ows:Exception exceptionCode="{code}">
<ows:ExceptionText>{message}</ows:ExceptionText></ows:Exception>
</ows:ExceptionReport>
"""


class Problem(Exception):
    """A bad request: OGC exception code, a pt-PT message and the HTTP status."""

    def __init__(self, code: str, message: str, status: str = "400 Bad Request"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def exception_response(code: str, message: str, status: str = "400 Bad Request",
                       ows: bool = False):
    template = OWS_EXCEPTION_XML if ows else EXCEPTION_XML
    body = template.format(code=escape(code), message=escape(message)).encode("utf-8")

    def app(environ, start_response):
        start_response(status, [("Content-Type", "text/xml; charset=utf-8"),
                                ("Content-Length", str(len(body)))])
        return [body]

    return app


@dataclass
class Catalogue:
    """What the service offers (from the runtime MapProxy configuration)."""

    layers: frozenset[str] = frozenset()
    srs: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset({"image/png", "image/jpeg"})
    grids: frozenset[str] = frozenset()
    queryable: frozenset[str] = frozenset()
    legends: frozenset[str] = frozenset()
    map_srs: frozenset[str] = frozenset()

    def get(self) -> Catalogue:
        """The same interface as CatalogueFile."""
        return self

    @classmethod
    def from_config(cls, conf: dict) -> Catalogue:
        wms = conf.get("services", {}).get("wms") or {}
        ogcapi = conf.get("services", {}).get("ogcapi") or {}
        grids = {"GLOBAL_WEBMERCATOR", *conf.get("grids", {})}
        options = _wms_options(conf)
        return cls(layers=frozenset(_layer_names(conf.get("layers", []))),
                   srs=frozenset(s.upper() for s in wms.get("srs", [])) | {"CRS:84"},
                   formats=frozenset(wms.get("image_formats", cls.formats)),
                   grids=frozenset(grids),
                   queryable=frozenset(n for n, o in options.items() if o.get("featureinfo")),
                   legends=frozenset(n for n, o in options.items() if o.get("legendgraphic")),
                   map_srs=frozenset(ogcapi.get("map_srs", [])))


def _wms_options(conf: dict) -> dict[str, dict]:
    """Layer name → `wms_opts` of the source behind its cache."""
    options = {}
    for layer in conf.get("layers", []):
        cache = conf.get("caches", {}).get((layer.get("sources") or [""])[0], {})
        source = conf.get("sources", {}).get((cache.get("sources") or [""])[0], {})
        options[layer.get("name", "")] = source.get("wms_opts") or {}
    return options


def _layer_names(layers: list[dict]) -> list[str]:
    names = []
    for layer in layers:
        if "name" in layer:
            names.append(layer["name"])
        names += _layer_names(layer.get("layers", []))
    return names


class CatalogueFile:
    """A Catalogue read from the runtime configuration file, reread when it changes."""

    def __init__(self, path: Path):
        self.path = path
        self._catalogue = Catalogue()
        self._mtime = -1.0

    def get(self) -> Catalogue:
        import yaml

        mtime = self.path.stat().st_mtime
        if mtime != self._mtime:
            self._catalogue = Catalogue.from_config(
                yaml.safe_load(self.path.read_text(encoding="utf-8")))
            self._mtime = mtime
        return self._catalogue


def query_params(environ) -> dict[str, str]:
    """Query parameters with lower-case names (first value wins)."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
        params.setdefault(name.lower(), value)
    return params


def _required(params: dict[str, str], *names: str) -> None:
    missing = [name.upper() for name in names if name not in params]
    if missing:
        raise Problem("MissingParameterValue", f"parâmetros em falta: {', '.join(missing)}")


def _integer(params: dict[str, str], name: str, low: int, high: int | None = None) -> int:
    raw = params.get(name, "").strip()
    if not re.fullmatch(r"[+-]?\d{1,12}", raw):
        raise Problem("InvalidParameterValue", f"{name.upper()} deve ser um número inteiro")
    value = int(raw)
    if value < low or (high is not None and value > high):
        limit = f"entre {low} e {high}" if high is not None else f"maior ou igual a {low}"
        raise Problem("InvalidParameterValue", f"{name.upper()} deve estar {limit}")
    return value


def _crs(params: dict[str, str], catalogue: Catalogue) -> str:
    crs = (params.get("crs") or params.get("srs") or "").strip().upper()
    if not crs:
        raise Problem("MissingParameterValue", "parâmetro em falta: CRS")
    if crs not in catalogue.srs:
        raise Problem("InvalidCRS", f"sistema de coordenadas não suportado: {crs}")
    return crs


def _lat_first(crs: str, version: str) -> bool:
    return version != "1.1.1" and crs in {"EPSG:4326", "EPSG:4258"}


def _bbox(params: dict[str, str], crs: str) -> tuple[float, ...]:
    parts = params.get("bbox", "").split(",")
    try:
        values = tuple(float(part) for part in parts)
    except ValueError:
        raise Problem("InvalidParameterValue", "BBOX deve ter quatro números") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise Problem("InvalidParameterValue", "BBOX deve ter quatro números finitos")
    if values[0] >= values[2] or values[1] >= values[3]:
        raise Problem("InvalidParameterValue",
                      "BBOX invertida ou vazia: o mínimo deve ser menor do que o máximo")
    _bbox_in_range(values, crs, params.get("version", "1.3.0"))
    return values


def _bbox_in_range(values: tuple[float, ...], crs: str, version: str) -> None:
    if crs in GEOGRAPHIC:
        lat = (values[0], values[2]) if _lat_first(crs, version) else (values[1], values[3])
        if any(abs(v) > 180 for v in values) or any(abs(v) > 90 for v in lat):
            raise Problem("InvalidParameterValue", f"BBOX fora dos limites de {crs}")
    elif any(abs(v) > MAX_PROJECTED for v in values):
        raise Problem("InvalidParameterValue", f"BBOX fora dos limites de {crs}")


def _layers(names: str, catalogue: Catalogue) -> list[str]:
    layers = [name for name in names.split(",") if name]
    if not layers:
        raise Problem("LayerNotDefined", "nenhuma camada pedida")
    unknown = [name for name in layers if name not in catalogue.layers]
    if unknown:
        raise Problem("LayerNotDefined", f"camada desconhecida: {', '.join(unknown)}")
    return layers


def _styles(params: dict[str, str]) -> None:
    unknown = [s for s in params.get("styles", "").split(",") if s not in ("", "default")]
    if unknown:
        raise Problem("StyleNotDefined", f"estilo desconhecido: {', '.join(unknown)}")


def _bgcolor(params: dict[str, str]) -> None:
    colour = params.get("bgcolor")
    if colour is not None and not re.fullmatch(r"(0x|#)?[0-9A-Fa-f]{6}", colour):
        raise Problem("InvalidParameterValue", "BGCOLOR deve ser uma cor 0xRRGGBB")


def check_getmap(params: dict[str, str], catalogue: Catalogue) -> None:
    _required(params, "layers", "bbox", "width", "height", "format")
    _layers(params["layers"], catalogue)
    _styles(params)
    _bgcolor(params)
    crs = _crs(params, catalogue)
    _bbox(params, crs)
    _integer(params, "width", 1, MAX_SIZE)
    _integer(params, "height", 1, MAX_SIZE)
    if params["format"].split(";")[0].strip() not in catalogue.formats:
        raise Problem("InvalidFormat", f"formato de imagem não suportado: {params['format']}")


INFO_FORMATS = ("application/json", "text/html")


def check_featureinfo(params: dict[str, str], catalogue: Catalogue) -> None:
    check_getmap(params, catalogue)
    _required(params, "query_layers", "info_format")
    layers = _layers(params["query_layers"], catalogue)
    closed = [name for name in layers if name not in catalogue.queryable]
    if closed:
        raise Problem("LayerNotQueryable", f"camada sem consulta: {', '.join(closed)}")
    if params["info_format"].split(";")[0].strip().lower() not in INFO_FORMATS:
        raise Problem("InvalidFormat", f"INFO_FORMAT não suportado: {params['info_format']} "
                      f"(use {' ou '.join(INFO_FORMATS)})")
    i, j = ("i", "j") if params.get("version", "1.3.0") != "1.1.1" else ("x", "y")
    _required(params, i, j)
    _integer(params, i, 0, int(params["width"]) - 1)
    _integer(params, j, 0, int(params["height"]) - 1)


def check_legend(params: dict[str, str], catalogue: Catalogue) -> None:
    _required(params, "layer", "format")
    if params.get("version", "1.3.0") == "1.3.0":
        _required(params, "sld_version")
    layers = _layers(params["layer"], catalogue)
    if any(name not in catalogue.legends for name in layers):
        raise Problem("LayerNotDefined", f"camada sem legenda: {params['layer']}")
    if params.get("format", "image/png").split(";")[0].strip() not in catalogue.formats:
        raise Problem("InvalidFormat", f"formato de imagem não suportado: {params['format']}")


def check_gettile(params: dict[str, str], catalogue: Catalogue) -> None:
    _required(params, "layer", "tilematrixset", "tilematrix", "tilerow", "tilecol")
    _layers(params["layer"], catalogue)
    if params["tilematrixset"] not in catalogue.grids:
        raise Problem("InvalidParameterValue",
                      f"TileMatrixSet desconhecido: {params['tilematrixset']}")
    if params.get("style", "default") not in ("", "default"):
        raise Problem("InvalidParameterValue", f"estilo desconhecido: {params['style']}")
    for name in ("tilematrix", "tilerow", "tilecol"):
        _integer(params, name, 0)


REQUESTS = {
    "wms": {"getcapabilities", "capabilities", "getmap", "map", "getfeatureinfo",
            "feature_info", "getlegendgraphic"},
    "wmts": {"getcapabilities", "gettile", "getfeatureinfo"},
}
KVP_CHECKS = {
    ("wms", "getmap"): check_getmap, ("wms", "map"): check_getmap,
    ("wms", "getfeatureinfo"): check_featureinfo, ("wms", "feature_info"): check_featureinfo,
    ("wms", "getlegendgraphic"): check_legend,
    ("wmts", "gettile"): check_gettile,
}
MAP_FILE = re.compile(r"^map(\.\w+)?$")


def _ogc_crs(value: str, catalogue: Catalogue) -> None:
    if value.endswith(("/OGC/1.3/CRS84", "[OGC:CRS84]")):
        return
    code = re.search(r"(?:EPSG/0/|EPSG:)(\d+)\]?$", value)
    if not code or f"EPSG:{code.group(1)}" not in catalogue.map_srs:
        raise Problem("InvalidParameterValue", f"sistema de coordenadas não suportado: {value}")


def check_ogc_map(params: dict[str, str], catalogue: Catalogue) -> None:
    """OGC API Maps: finite BBOX, image size, known CRS (MapProxy checks the rest)."""
    if "bbox" in params:
        parts = params["bbox"].split(",")
        try:
            finite = all(math.isfinite(float(part)) for part in parts)
        except ValueError:
            finite = False
        if not finite or len(parts) not in (4, 6):
            raise Problem("InvalidParameterValue", "bbox deve ter 4 ou 6 números finitos")
    for name in ("width", "height"):
        if name in params:
            _integer(params, name, 1, MAX_SIZE)
    for name in ("crs", "bbox-crs"):
        if params.get(name):
            _ogc_crs(params[name], catalogue)


# /wmts/{layer}/{grid}/{z}/{x}/{y}.{ext} and /tiles|/tms/1.0.0/{layer}/{grid}/{z}/{x}/{y}.{ext}
TILE_PATH = re.compile(r"^/(wmts|tiles|tms/1\.0\.0)/[^/]+/[^/]+/([^/]+)/([^/]+)/([^/.]+)\.\w+$")
KVP_PATHS = ("/service", "/ows", "/wms", "/wmts")
# Capabilities and root documents: the service root, WMTS REST and TMS capabilities.
DOCUMENT_PATH = re.compile(r"^/?$|^/wmts/1\.0\.0/WMTSCapabilities\.xml$"
                           r"|^/tms(/1\.0\.0(/[\w.:-]+){0,2})?/?$")
OGC_NAME = re.compile(r"^[\w.:-]+$")


def _tile_numbers(*parts: str) -> None:
    if not all(re.fullmatch(r"\d{1,9}", part) for part in parts):
        raise Problem("InvalidParameterValue",
                      "nível, coluna e linha da tesela devem ser inteiros não negativos")


def _unknown(path: str) -> Problem:
    return Problem("OperationNotSupported", f"endereço desconhecido no serviço de mapas: "
                   f"/maps{path[:200]}", status="404 Not Found")


def ogc_parts(path: str) -> list[str]:
    """The parts of an /ogcapi path after `ogcapi`, as MapProxy splits them (outer slashes
    dropped); a path MapProxy would read differently from how it looks is a 404."""
    parts = path.strip("/").split("/")
    if parts[0] != "ogcapi" or not all(OGC_NAME.fullmatch(part) for part in parts[1:]) \
            or ".." in parts or "//" in path:
        raise _unknown(path)
    return parts[1:]


def check_ogc_path(parts: list[str], params: dict[str, str], catalogue: Catalogue) -> None:
    """OGC API Maps and Tiles, routed as MapProxy routes them: maps get `check_ogc_map`,
    tiles integer coordinates."""
    own = parts[2:] if parts[:1] == ["collections"] else parts
    if len(own) == 1 and MAP_FILE.fullmatch(own[0]) and len(parts) in (1, 3):
        check_ogc_map(params, catalogue)
    elif own[:2] == ["map", "tiles"] and len(own) == 6 and len(parts) in (6, 8):
        _tile_numbers(*own[-3:])


def route(path: str) -> str:
    """The kind of a /maps path (kvp, tile, document, ogcapi); a 404 Problem for any other
    form, including those MapProxy would still answer."""
    if path in KVP_PATHS:
        return "kvp"
    if TILE_PATH.fullmatch(path):
        return "tile"
    if DOCUMENT_PATH.fullmatch(path):
        return "document"
    if path == "/ogcapi" or path.startswith("/ogcapi/"):
        return "ogcapi"
    raise _unknown(path)


def check_kvp(params: dict[str, str], catalogue: Catalogue) -> None:
    service = params.get("service", "wms").lower()
    request = params.get("request", "").lower()
    if service not in REQUESTS:
        raise Problem("InvalidParameterValue", f"serviço desconhecido: {params['service']}")
    if not request:
        raise Problem("MissingParameterValue", "parâmetro em falta: REQUEST")
    if request not in REQUESTS[service]:
        raise Problem("OperationNotSupported", f"pedido desconhecido: {params['request']}")
    checker = KVP_CHECKS.get((service, request))
    if checker:
        checker(params, catalogue)


def check_request(path: str, params: dict[str, str], catalogue: Catalogue) -> None:
    kind = route(path)
    if kind == "kvp":
        check_kvp(params, catalogue)
    elif kind == "tile":
        match = TILE_PATH.fullmatch(path)
        assert match is not None
        _tile_numbers(*match.group(2, 3, 4))
    elif kind == "ogcapi":
        check_ogc_path(ogc_parts(path), params, catalogue)


def problem_for(environ, catalogue: Catalogue | CatalogueFile) -> Problem | None:
    """The first problem of a request, or None."""
    try:
        check_request(environ.get("PATH_INFO", ""), query_params(environ), catalogue.get())
    except Problem as problem:
        return problem
    return None


def _ows_style(environ) -> bool:
    path = environ.get("PATH_INFO", "")
    if path.startswith(("/wmts", "/tiles", "/tms")):
        return True
    return query_params(environ).get("service", "").lower() == "wmts"


def json_problem(problem: Problem):
    """OGC API error (RFC 7807 problem details, as MapProxy's OGC API answers)."""
    status = int(problem.status.split()[0])
    kind = "Invalid Parameter" if status == 400 else "Not Found"
    body = json.dumps({"title": "OGCAPI", "type": kind, "status": status,
                       "detail": problem.message}, ensure_ascii=False).encode("utf-8")

    def app(environ, start_response):
        start_response(problem.status, [("Content-Type", "application/json"),
                                        ("Content-Length", str(len(body)))])
        return [body]

    return app


def problem_response(environ, problem: Problem):
    """The OGC exception WSGI app of `problem`, in the form the path's service uses."""
    if environ.get("PATH_INFO", "").startswith("/ogcapi"):
        return json_problem(problem)
    return exception_response(problem.code, problem.message, status=problem.status,
                              ows=_ows_style(environ))


# Request headers MapProxy reads to build paths and URLs, which clients must not steer.
UNTRUSTED_HEADERS = ("HTTP_X_SCRIPT_NAME", "HTTP_X_FORWARDED_HOST")


def trusted_headers(environ, settings: Settings) -> Problem | None:
    """Drop the headers clients could use to steer MapProxy; a Host not allowed is a 400."""
    for name in UNTRUSTED_HEADERS:
        environ.pop(name, None)
    if not settings.tls_proxy:
        environ.pop("HTTP_X_FORWARDED_PROTO", None)
    elif environ.get("HTTP_X_FORWARDED_PROTO") not in (None, "http", "https"):
        environ["HTTP_X_FORWARDED_PROTO"] = "https" if is_secure(environ, settings) else "http"
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, list(settings.allowed_hosts)):
        return Problem("InvalidParameterValue", f"nome de servidor não permitido: {host[:100]}")
    return None


class Guard:
    """The single entry point of /maps (PATH_INFO relative to the prefix): trusted headers,
    a known path and checked parameters before `app`; security headers on every answer.

    `catalogue` is what the service offers; None while the service is unavailable (then only
    headers and paths are checked, and `app` answers 503)."""

    def __init__(self, app: Callable, catalogue: Catalogue | CatalogueFile | None,
                 settings: Settings | None = None):
        self.app = app
        self.catalogue = catalogue
        self.settings = settings or get_settings()

    def problem(self, environ) -> Problem | None:
        problem = trusted_headers(environ, self.settings)
        if problem is not None:
            return problem
        if self.catalogue is not None:
            return problem_for(environ, self.catalogue)
        try:
            route(environ.get("PATH_INFO", ""))
        except Problem as unknown:
            return unknown
        return None

    def __call__(self, environ, start_response):
        extra = response_headers(self.settings, is_secure(environ, self.settings))

        def with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(n, v) for n, v in extra if n.lower() not in present]
            return start_response(status, headers, exc_info)

        problem = self.problem(environ)
        app = self.app if problem is None else problem_response(environ, problem)
        return app(environ, with_headers)


CODE = re.compile(rb'(?:exceptionCode|code)="([A-Za-z]+)"')


def input_error_status(status: str, body: bytes) -> str:
    """400 for MapProxy's exceptions that name a client error (MapProxy sends 500)."""
    if not status.startswith("500"):
        return status
    match = CODE.search(body[:4000])
    if match and match.group(1).decode() in INPUT_CODES:
        return "400 Bad Request"
    return status


def call_holding_server_error(app, environ, start_response):
    """Run `app`; a 500 is not started but returned as (status, headers, body) to the caller.

    Returns `(body, None)` when the app answered anything else (already started).
    """
    held: dict = {}

    def hold(status, headers, exc_info=None):
        if not status.startswith("500"):
            return start_response(status, headers, exc_info)
        held.update(status=status, headers=headers)
        return lambda data: None

    body = app(environ, hold)
    if not held:
        return body, None
    return None, (held["status"], held["headers"], b"".join(body))
