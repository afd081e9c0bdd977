"""Open311 GeoReport v2, mounted at `/open311/v2/`; every document in `.json` and `.xml`."""

from django.urls import re_path

from sig.ocorrencias import open311_views as views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^discovery{FMT}", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}", views.services, name="services"),
    re_path(rf"^services/(?P<service_code>[a-z][a-z0-9_]{{0,39}}){FMT}", views.definition,
            name="definition"),
    re_path(rf"^requests{FMT}", views.requests, name="requests"),
    re_path(rf"^requests/(?P<service_request_id>[A-Za-z0-9-]{{1,20}}){FMT}", views.one_request,
            name="request"),
    re_path(rf"^tokens/(?P<token>[0-9a-f]{{32}}){FMT}", views.token, name="token"),
]
