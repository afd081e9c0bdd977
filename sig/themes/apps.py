from django.apps import AppConfig


class ThemesConfig(AppConfig):
    name = "sig.themes"
    label = "themes"
    verbose_name = "Temas harmonizados"
