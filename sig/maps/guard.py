"""Checks of map requests before MapProxy: bad input gets an OGC ServiceException (HTTP 400).

MapProxy validates much itself, but answers some bad input with HTTP 500 (a BBOX or a tile
row that is not a number, a negative WIDTH) or with a blank image (NaN or absurd BBOX), and
it accepts a WIDTH of 100 000 pixels if the other side is small. These checks run first;
exceptions MapProxy raises for bad input keep their OGC code and get status 400.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

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
    """A bad parameter: OGC exception code and a pt-PT message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


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
OGC_MAP = re.compile(r"^/ogcapi/(collections/[^/]+/)?map(\.\w+)?$")


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
TILE_PATH = re.compile(r"^/(wmts|tiles|tms/1\.0\.0)/[^/]+/[^/]+/([^/]+)/([^/]+)/([^/]+)$")


def check_tile_path(path: str) -> None:
    match = TILE_PATH.match(path)
    if not match:
        return
    z, x, y = match.group(2), match.group(3), match.group(4).rsplit(".", 1)[0]
    if not all(re.fullmatch(r"\d{1,9}", part) for part in (z, x, y)):
        raise Problem("InvalidParameterValue",
                      "nível, coluna e linha da tesela devem ser inteiros não negativos")


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


def problem_for(environ, catalogue: Catalogue | CatalogueFile) -> Problem | None:
    """The first problem of a request, or None."""
    path = environ.get("PATH_INFO", "")
    try:
        if path in ("/service", "/wms", "/ows", "/wmts"):
            check_kvp(query_params(environ), catalogue.get())
        elif OGC_MAP.match(path):
            check_ogc_map(query_params(environ), catalogue.get())
        else:
            check_tile_path(path)
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
    body = json.dumps({"title": "OGCAPI", "type": "Invalid Parameter", "status": 400,
                       "detail": problem.message}, ensure_ascii=False).encode("utf-8")

    def app(environ, start_response):
        start_response("400 Bad Request", [("Content-Type", "application/json"),
                                           ("Content-Length", str(len(body)))])
        return [body]

    return app


def check(environ, catalogue: Catalogue | CatalogueFile):
    """An OGC exception WSGI app for a bad request, or None."""
    problem = problem_for(environ, catalogue)
    if problem is None:
        return None
    if environ.get("PATH_INFO", "").startswith("/ogcapi"):
        return json_problem(problem)
    return exception_response(problem.code, problem.message, ows=_ows_style(environ))


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
