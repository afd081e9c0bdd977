"""Public URLs of the occurrences, mounted at `/ocorrencias/`."""

from django.urls import path, re_path

from sig.ocorrencias import views
from sig.ocorrencias.public import CODE_PATTERN

app_name = "ocorrencias"

urlpatterns = [
    path("", views.report, name="reportar"),
    path("formulario.json", views.form_json, name="formulario"),
    path("indicadores.json", views.indicators_json, name="indicadores"),
    path("indicadores.csv", views.indicators_csv, name="indicadores_csv"),
    re_path(rf"^(?P<codigo>{CODE_PATTERN})/$", views.status_page, name="estado"),
]
