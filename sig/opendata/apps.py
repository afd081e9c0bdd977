"""Django application of the open-data area (catalogue, downloads, indicators)."""

from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "sig.opendata"
    label = "opendata"
    verbose_name = "Dados abertos"
