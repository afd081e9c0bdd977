from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "sig.territory"
    label = "territory"
    verbose_name = "Território"
