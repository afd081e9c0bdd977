from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sig.core"
    label = "core"
    verbose_name = "Regras da base de dados"
