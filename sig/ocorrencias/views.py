"""The public pages and endpoints: the report form and its POST endpoint (form or JSON), the
form's token and categories, and the public status page of an occurrence."""

from __future__ import annotations

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sig.editing.errors import EditingError
from sig.ocorrencias import abuse, indicators, photos, public, reports
from sig.ocorrencias.categories import get_categories
from sig.ocorrencias.errors import OcorrenciaError
from sig.ops.ratelimit import client_ip

log = logging.getLogger(__name__)
MAX_JSON_BYTES = 65_536


def _language(request: HttpRequest) -> str:
    return "en" if (request.GET.get("lang") or "").lower().startswith("en") else "pt"


def categories_json(language: str) -> list[dict]:
    """The categories as the report page shows them."""
    return [{"codigo": c.code, "titulo": getattr(c.title, language),
             "descricao": getattr(c.description, language), "prazo_horas": c.target_hours,
             "atributos": [{"codigo": a.code, "tipo": a.datatype, "obrigatorio": a.required,
                            "descricao": getattr(a.description, language),
                            "valores": [{"chave": v.key, "nome": getattr(v.name, language)}
                                        for v in a.values]} for a in c.attributes]}
            for c in get_categories()]


@require_GET
def form_json(request: HttpRequest) -> HttpResponse:
    """A fresh form token (the minimum fill time counts from now) and the categories."""
    body = {"formulario": abuse.form_token(), "categorias": categories_json(_language(request)),
            "max_fotografias": photos.MAX_PHOTOS, "campo_armadilha": abuse.HONEYPOT}
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _wants_json(request: HttpRequest) -> bool:
    return (request.content_type == "application/json"
            or "application/json" in request.headers.get("Accept", ""))


def _json_body(request: HttpRequest) -> dict:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_JSON_BYTES:
        raise OcorrenciaError("pedido demasiado grande", status=413, code="PayloadTooLarge")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise OcorrenciaError("o corpo do pedido não é JSON válido") from exc
    if not isinstance(data, dict):
        raise OcorrenciaError("o corpo do pedido tem de ser um objeto JSON")
    return data


def _form_body(request: HttpRequest) -> tuple[dict, list[bytes]]:
    data = {key: request.POST.get(key) for key in request.POST}
    data["atributos"] = {key.removeprefix("atributos."): value for key, value in data.items()
                         if key.startswith("atributos.")}
    files = request.FILES.getlist("fotografias")
    if len(files) > photos.MAX_PHOTOS:
        raise OcorrenciaError(f"no máximo {photos.MAX_PHOTOS} fotografias por ocorrência")
    limit = photos.get_settings().ocorrencias_photo_max_mb * 1024 * 1024
    return data, [f.read(limit + 1) for f in files]


def _submit(request: HttpRequest) -> reports.Created:
    data, files = (_json_body(request), []) if request.content_type == "application/json" \
        else _form_body(request)
    abuse.check_honeypot(data.get(abuse.HONEYPOT))
    abuse.check_fill_time(data.get(abuse.FORM_TOKEN))
    report = reports.parse_report(data)
    abuse.check_rates(client_ip(request), report.contacto)
    return reports.create(report, photos.process_all(files))


def _error(request: HttpRequest, exc: EditingError) -> HttpResponse:
    log.info("report refused: %s %s", exc.status, exc.message)
    response = JsonResponse(exc.as_json(), status=exc.status,
                            json_dumps_params={"ensure_ascii": False})
    if isinstance(exc, abuse.TooMany):
        response["Retry-After"] = str(exc.retry_after)
    return response


@csrf_exempt  # anonymous, no session to protect; the form token and the limits guard it
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """GET: the report form (without the map); POST: a new report, as a form or JSON."""
    if request.method == "GET":
        return render(request, "ocorrencias/formulario.html", {
            "categorias": categories_json(_language(request)), "formulario": abuse.form_token(),
            "armadilha": abuse.HONEYPOT})
    try:
        created = _submit(request)
    except RequestDataTooBig:
        return _error(request, OcorrenciaError("pedido demasiado grande", status=413,
                                               code="PayloadTooLarge"))
    except EditingError as exc:
        return _error(request, exc)
    url = reverse("ocorrencias:estado", args=[created.codigo])
    if not _wants_json(request):
        return redirect(url, permanent=False)
    return JsonResponse({"codigo": created.codigo, "estado": "nova", "url": url,
                         "municipio": created.municipio}, status=201, headers={"Location": url})


def _public(codigo: str) -> public.PublicOccurrence:
    found = public.by_code(codigo)
    if found is None:
        raise Http404("ocorrência desconhecida")
    return found


@require_GET
def status_page(request: HttpRequest, codigo: str) -> HttpResponse:
    """The public status page of an occurrence (no personal data; text shown escaped)."""
    occurrence = _public(codigo)
    language = _language(request)
    category = get_categories().get(occurrence.categoria)
    events = [e | {"rotulo": public.STATE_LABELS[e["estado"]][language]}
              for e in public.history(occurrence.id)]
    return render(request, "ocorrencias/estado.html", {
        "o": occurrence, "lang": language, "historico": events,
        "categoria": getattr(category.title, language) if category else occurrence.categoria,
        "estado": public.STATE_LABELS[occurrence.estado][language],
        "duplicadas": public.duplicates_of(occurrence.id)})


@require_GET
def indicators_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"indicadores": indicators.indicators()},
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def indicators_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(indicators.as_csv(indicators.indicators()),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ocorrencias-indicadores.csv"'
    return response
