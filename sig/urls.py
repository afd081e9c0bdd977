"""URL map of the service: `/` web map, `/admin/`, health; `/maps/` is mounted in `sig.wsgi`."""

from django.contrib import admin
from django.urls import path

from sig.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
