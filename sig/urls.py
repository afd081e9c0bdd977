"""URL map of the service. `/maps/` (MapProxy) is mounted beside Django in `sig.wsgi`."""

from django.contrib import admin
from django.urls import include, path

from sig.ocorrencias import triage_page
from sig.ogcapi import pages as ogcapi_pages

urlpatterns = [
    path("", include("sig.web.urls")),
    path("admin/", admin.site.urls),
    path("ogcapi", ogcapi_pages.landing),  # QGIS 3.22 does not follow the slash redirect
    path("ogcapi/", include("sig.ogcapi.urls")),
    path("editor/api/ocorrencias/", include("sig.ocorrencias.triage_urls")),
    path("editor/ocorrencias/", triage_page.page, name="ocorrencias-triagem"),
    path("editor/", include("sig.editing.urls")),
    path("ocorrencias/", include("sig.ocorrencias.urls")),
    path("open311/v2/", include("sig.ocorrencias.open311_urls")),
    path("dados/", include("sig.opendata.urls")),
    path("", include("sig.importing.urls")),
    path("", include("sig.maps.urls")),
    path("", include("sig.ops.urls")),
]
