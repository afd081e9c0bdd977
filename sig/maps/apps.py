from django.apps import AppConfig


class MapsConfig(AppConfig):
    name = "sig.maps"
    label = "maps"
    verbose_name = "Mapas"
