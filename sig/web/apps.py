"""Django application of the public pages (web map, indicators)."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sig.web"
    label = "web"
