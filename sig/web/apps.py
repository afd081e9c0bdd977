from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sig.web"
    label = "web"
