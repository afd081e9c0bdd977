from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "sig.opendata"
    label = "opendata"
    verbose_name = "Dados abertos"
