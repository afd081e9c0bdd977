from django.apps import AppConfig


class EditingConfig(AppConfig):
    name = "sig.editing"
    label = "editing"
    verbose_name = "Edição"
