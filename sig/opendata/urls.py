"""URLs of sig.opendata, mounted at /dados/."""

from django.urls import path, re_path

from sig.opendata import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^catalogo\.(?P<fmt>jsonld|ttl)$", views.catalogue, name="catalogue"),
    path("qgis/sig-cimrl.qgs", views.qgis_project, name="qgis"),
    path("api/identificar", views.identify, name="identify"),
    path("api/pesquisa", views.search, name="search"),
    re_path(r"^(?P<theme_id>[a-z][a-z0-9_]*)/$", views.theme_page, name="theme"),
    re_path(r"^(?P<theme_id>[a-z][a-z0-9_]*)/(?P<area>[a-z0-9]+)\.(?P<ext>gpkg|geojson|csv|shp\.zip)$",
            views.download, name="download"),
]
