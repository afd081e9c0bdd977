"""URL map of the service. `/maps/` (MapProxy) is mounted beside Django in `sig.wsgi`."""

from django.contrib import admin
from django.urls import include, path

from sig.ogcapi import pages as ogcapi_pages

urlpatterns = [
    path("", include("sig.web.urls")),
    path("admin/", admin.site.urls),
    path("ogcapi", ogcapi_pages.landing),  # QGIS 3.22 does not follow the slash redirect
    path("ogcapi/", include("sig.ogcapi.urls")),
    path("editor/", include("sig.editing.urls")),
    path("dados/", include("sig.opendata.urls")),
    path("", include("sig.importing.urls")),
    path("", include("sig.maps.urls")),
    path("", include("sig.ops.urls")),
]
