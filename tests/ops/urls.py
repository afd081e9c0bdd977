"""URL map for the sig.ops tests: the service's own endpoints plus views that fail on purpose."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from sig.db.connect import connect
from sig.ops.context import annotate


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("falha de teste com detalhe interno")


def answers_500(request: HttpRequest) -> HttpResponse:
    return HttpResponse("falhou", status=500)


def database_down(request: HttpRequest) -> HttpResponse:
    """Connects to a port where no PostgreSQL listens (a real refused connection)."""
    with connect("postgresql://sig_app@127.0.0.1:1/sig", timeout=2):
        return HttpResponse("inesperado")


def echo(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"bytes": len(request.body)})


def who(request: HttpRequest) -> JsonResponse:
    annotate(municipio=request.GET.get("para"))
    return JsonResponse({"user": request.user.get_username()})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("teste/falha", boom),
    path("teste/sem-base", database_down),
    path("teste/quinhentos", answers_500),
    path("teste/eco", echo),
    path("teste/quem", who),
    path("", include("sig.ops.urls")),
]
