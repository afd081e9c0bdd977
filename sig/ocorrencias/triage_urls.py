"""Triage endpoints, mounted at `/editor/api/ocorrencias/`."""

from django.urls import path, re_path

from sig.ocorrencias import triage_views
from sig.ocorrencias.public import CODE_PATTERN

app_name = "ocorrencias_triagem"

urlpatterns = [
    path("", triage_views.listing, name="lista"),
    path("fotografias/<int:foto_id>", triage_views.photo, name="fotografia"),
    re_path(rf"^(?P<codigo>{CODE_PATTERN})$", triage_views.detail, name="detalhe"),
    re_path(rf"^(?P<codigo>{CODE_PATTERN})/alterar$", triage_views.change, name="alterar"),
    re_path(rf"^(?P<codigo>{CODE_PATTERN})/notas$", triage_views.note, name="notas"),
]
