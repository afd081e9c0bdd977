"""URLs of sig.opendata, mounted at /dados/: downloads and the DCAT-AP catalogue (the pages
under /dados/ in the visitor's language are routed by `sig.web.urls`)."""

from django.urls import re_path

from sig.opendata import views

app_name = "opendata"

urlpatterns = [
    re_path(r"^catalogo\.(?P<fmt>jsonld|ttl)$", views.catalogue, name="catalogue"),
    re_path(r"^ocorrencias\.(?P<ext>csv|geojson)$", views.occurrences_download,
            name="ocorrencias"),
    re_path(r"^(?P<theme_id>[a-z][a-z0-9_]*)/(?P<area>[a-z0-9]+)\.(?P<ext>gpkg|geojson|csv|shp\.zip)$",
            views.download, name="download"),
]
