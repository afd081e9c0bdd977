"""URLs of sig.web: the web map at the root, the indicators and the pages under /dados/ in the
visitor's language."""

from django.templatetags.static import static
from django.urls import path, re_path
from django.views.generic import RedirectView

from sig.web import dados, report_page, views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    # Before sig.ocorrencias' own routes (sig.urls includes this module first): the page on
    # GET, the report endpoint on POST.
    path("ocorrencias/", report_page.report, name="ocorrencias-reportar"),
    path("indicadores/", views.indicators_page, name="indicators"),
    path("indicadores/indicadores.csv", views.indicators_csv, name="indicators_csv"),
    path("dados/", dados.index, name="dados-index"),
    path("dados/qgis/sig-cimrl.qgs", dados.qgis_project, name="dados-qgis"),
    path("dados/api/identificar", dados.identify, name="dados-identify"),
    path("dados/api/pesquisa", dados.search, name="dados-search"),
    re_path(r"^dados/(?P<theme_id>[a-z][a-z0-9_]*)/$", dados.theme_page, name="dados-theme"),
]
