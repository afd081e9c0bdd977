from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "sig.ops"
    label = "ops"
    verbose_name = "Operação"
