"""Operations: health, logs, backups and security hygiene."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "sig.ops"
    label = "ops"
    verbose_name = "Operação"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from sig.ops.signals import count_failed_login

        user_login_failed.connect(count_failed_login, dispatch_uid="sig.ops.failed_login")
