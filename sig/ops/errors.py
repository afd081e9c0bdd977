"""Error responses for people and programs: a plain pt-PT page or OGC-style exception JSON.

Details stay in the logs; the body names the problem and what to do, plus the request id.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from sig.ops import context

JSON_PREFIXES = ("/ogcapi/", "/maps/")

UNAVAILABLE = ("Serviço temporariamente indisponível",
               "A base de dados não está a responder. O serviço retoma sozinho assim que ela "
               "voltar: tente de novo dentro de alguns segundos.")


def wants_json(request: HttpRequest) -> bool:
    """API paths and clients that ask for JSON get JSON; browsers get a page."""
    if request.path.startswith(JSON_PREFIXES) or request.GET.get("f") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "html" not in accept


def error_response(request: HttpRequest, status: int, code: str, title: str, message: str,
                   retry_after: int | None = None) -> HttpResponse:
    """A `status` response with `message` as JSON or as a page, never cached."""
    ctx = context.current()
    request_id = ctx.request_id if ctx else ""
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {"code": code, "description": message, "request_id": request_id},
            status=status, json_dumps_params={"ensure_ascii": False})
    else:
        html = render_to_string("ops/erro.html", {"title": title, "message": message,
                                                  "request_id": request_id})
        response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    if retry_after is not None:
        response["Retry-After"] = str(max(1, int(retry_after)))
    return response


def database_unavailable(request: HttpRequest) -> HttpResponse:
    title, message = UNAVAILABLE
    return error_response(request, 503, "ServiceUnavailable", title, message, retry_after=5)


def too_large(request: HttpRequest, limit_bytes: int) -> HttpResponse:
    limit = f"{limit_bytes / 1_000_000:g} MB"
    return error_response(request, 413, "PayloadTooLarge", "Pedido demasiado grande",
                          f"O envio excede o limite de {limit} deste serviço. Divida os dados "
                          "em partes mais pequenas.")


def too_many(request: HttpRequest, retry_after: int, what: str) -> HttpResponse:
    minutes = max(1, round(retry_after / 60))
    when = "1 minuto" if minutes == 1 else f"{minutes} minutos"
    return error_response(request, 429, "TooManyRequests", "Demasiados pedidos",
                          f"{what} Tente de novo dentro de {when}.", retry_after=retry_after)
