from django.apps import AppConfig


class OcorrenciasConfig(AppConfig):
    name = "sig.ocorrencias"
    label = "ocorrencias"
    verbose_name = "Ocorrências"
