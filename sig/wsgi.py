"""WSGI entry point: one service on one port — Django, and the maps service at /maps/."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sig.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from sig.maps.wsgi import mount  # noqa: E402

application = mount(get_wsgi_application())
