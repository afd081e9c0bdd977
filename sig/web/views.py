"""Public pages."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sig.registry import get_registry
from sig.territory.models import Municipio


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: the municipalities and themes served."""
    context = {
        "municipios": Municipio.objects.order_by("nome").values("dico", "nome"),
        "themes": list(get_registry()),
    }
    return render(request, "web/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependency is checked)."""
    return JsonResponse({"status": "ok"})
