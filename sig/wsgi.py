"""WSGI entry point: one service on one port."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sig.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
