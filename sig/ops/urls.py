"""URLs of sig.ops (mounted at the root)."""

from django.urls import path

from sig.ops import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
