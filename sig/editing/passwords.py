"""HTTP Basic passwords verified once every few minutes, not on every request.

QGIS sends its Basic credentials with every request, and a password hash is slow on purpose
(hundreds of milliseconds). A verified pair is remembered in this process for CACHE_SECONDS,
under a keyed hash of the pair (never the password itself), and only while the account stays
active with the same stored password hash: a changed password or a disabled account is checked
again at once.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.http import HttpRequest

CACHE_SECONDS = 300
MAX_ENTRIES = 1024

_verified: dict[str, tuple[float, int, str]] = {}  # key -> (valid until, user id, hash)
_lock = threading.Lock()


def _key(username: str, password: str) -> str:
    pair = f"{username}\0{password}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), pair, hashlib.sha256).hexdigest()


def _remembered(key: str):
    with _lock:
        entry = _verified.get(key)
    if entry is None or entry[0] < time.monotonic():
        return None
    user = get_user_model().objects.filter(pk=entry[1], is_active=True).first()
    return user if user is not None and user.password == entry[2] else None


def _remember(key: str, user) -> None:
    with _lock:
        if len(_verified) >= MAX_ENTRIES:
            _verified.clear()
        _verified[key] = (time.monotonic() + CACHE_SECONDS, user.pk, user.password)


def verify(request: HttpRequest, username: str, password: str):
    """The active person with these credentials, or None (Django counts the failure)."""
    if not username or not password:
        return None
    key = _key(username, password)
    user = _remembered(key)
    if user is None:
        user = authenticate(request, username=username, password=password)
        if user is not None:
            _remember(key, user)
    return user
