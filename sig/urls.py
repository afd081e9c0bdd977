"""URL map of the service. `/maps/` (MapProxy) is mounted beside Django in `sig.wsgi`."""

from django.contrib import admin
from django.urls import include, path

from sig.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("ogcapi/", include("sig.ogcapi.urls")),
    path("editor/", include("sig.editing.urls")),
    path("dados/", include("sig.opendata.urls")),
    path("", include("sig.importing.urls")),
    path("", include("sig.maps.urls")),
    path("", include("sig.ops.urls")),
]
