"""URLs of sig.web: the web map at the root and the indicators."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from sig.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("indicadores/", views.indicators_page, name="indicators"),
    path("indicadores/indicadores.csv", views.indicators_csv, name="indicators_csv"),
]
