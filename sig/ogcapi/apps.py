from django.apps import AppConfig


class OgcapiConfig(AppConfig):
    name = "sig.ogcapi"
    label = "ogcapi"
    verbose_name = "OGC API"
