from django.apps import AppConfig


class ImportingConfig(AppConfig):
    name = "sig.importing"
    label = "importing"
    verbose_name = "Importação"
