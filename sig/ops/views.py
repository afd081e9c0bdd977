"""Health endpoints: /healthz (the process answers) and /readyz (it can serve)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from sig.ops.health import readiness


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependency is checked)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, MapServer and tile cache, each reported; 503 when a critical one fails."""
    result = readiness()
    return JsonResponse(result.as_dict(), status=200 if result.ready else 503,
                        json_dumps_params={"ensure_ascii": False})
