"""Open311 GeoReport v2 endpoints under `/open311/v2/`, each in `.json` and `.xml`.

POST requests need an `api_key` (`sig open311 key NAME`) and are limited per key
(SIG_OPEN311_KEY_RATE) and per contact; `jurisdiction_id` is accepted when it names this
service (or is absent).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sig.conf import get_settings
from sig.editing.errors import EditingError
from sig.ocorrencias import abuse, keys, open311, public, reports
from sig.ocorrencias.errors import OcorrenciaError
from sig.ops import ratelimit

log = logging.getLogger(__name__)
# Root and item elements of each XML document.
XML_SHAPES = {"discovery": ("discovery", None), "services": ("services", "service"),
              "definition": ("service_definition", None),
              "requests": ("service_requests", "request"), "errors": ("errors", "error")}


def render(document, fmt: str, shape: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        root, item = XML_SHAPES[shape]
        body = open311.to_xml(root, item, document)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(document, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def _check_jurisdiction(request: HttpRequest) -> None:
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if given and given != get_settings().open311_jurisdiction:
        raise OcorrenciaError(f"jurisdiction_id desconhecida: {given[:60]}", status=404,
                              code="NotFound")


def endpoint(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Errors as the spec's error list, in the requested format, in pt-PT."""
    @wraps(func)
    def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
        try:
            _check_jurisdiction(request)
            return func(request, *args, fmt=fmt, **kwargs)
        except EditingError as exc:
            log.info("open311 refused: %s %s", exc.status, exc.message)
            response = render(open311.error_document(exc.status, exc.message), fmt, "errors",
                              exc.status)
            if isinstance(exc, abuse.TooMany):
                response["Retry-After"] = str(exc.retry_after)
            return response
    return wrapper


def _language(request: HttpRequest) -> str:
    return "en" if (request.GET.get("lang") or "").startswith("en") else "pt"


@require_GET
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    settings = get_settings()
    base = settings.public_url or request.build_absolute_uri("/").rstrip("/")
    return render(open311.discovery(base, settings.mail_from), fmt, "discovery")


@require_GET
@endpoint
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(open311.services(_language(request)), fmt, "services")


@require_GET
@endpoint
def definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    return render(open311.definition(service_code, _language(request)), fmt, "definition")


def _limit_key(application: int) -> None:
    rate = ratelimit.Rate.parse(get_settings().open311_key_rate)
    decision = ratelimit.hit("open311-chave", str(application), rate)
    if not decision.allowed:
        raise abuse.TooMany("demasiados pedidos com esta api_key: tente mais tarde",
                            decision.retry_after)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    application, name = keys.application_for(request.POST.get("api_key"))
    _limit_key(application)
    report = reports.parse_report(open311.report_fields(request.POST), origem=f"open311:{name}")
    for key in abuse.contact_keys(report.contacto):
        abuse.check_contact_rate(key)
    created = reports.create(report)
    document = [{"service_request_id": created.codigo, "token": created.token,
                 "service_notice": "", "account_id": None}]
    return render(document, fmt, "requests", status=201)


@csrf_exempt  # an API for applications with an api_key, no session
@require_http_methods(["GET", "POST"])
@endpoint
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    where, values = open311.request_filters(request.GET)
    found = public.search(where, values, open311.MAX_REQUESTS)
    language = _language(request)
    return render([open311.request_document(o, language) for o in found], fmt, "requests")


@require_GET
@endpoint
def one_request(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    found = public.by_code(service_request_id)
    if found is None:
        raise OcorrenciaError("pedido desconhecido", status=404, code="NotFound")
    return render([open311.request_document(found, _language(request))], fmt, "requests")


@require_GET
@endpoint
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    found = public.by_token(token)
    if found is None:
        raise OcorrenciaError("token desconhecido", status=404, code="NotFound")
    return render([{"service_request_id": found.codigo, "token": token}], fmt, "requests")
