"""Rate limits shared by every worker and every app server: counters in PostgreSQL.

Fixed windows in the UNLOGGED table `ops_ratelimit` (fast, never replicated, excluded from
backups), written through a small per-process pool in autocommit, apart from the request's
own transaction. When the database cannot be reached the limiter lets requests through: the
request fails on its own database work anyway, with its own clear message.

Use from any area:
- `hit(key, rate)` / `peek(key, rate)`: the core, no request involved;
- `check_token(request, token_id)`: call after authenticating an API token; returns a 429
  response to send back, or None;
- `login_blocked(request, username)`: before checking a password (the middleware does it
  for the admin login and `settings.LOGIN_URL`); failed logins are counted by the
  `user_login_failed` signal, connected in `sig.ops.apps`;
- `@rate_limited("scope", "30/1m")` on a view, keyed by client address by default.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from psycopg_pool import ConnectionPool

from sig.conf import get_settings
from sig.ops import errors

log = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smh])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600}

HIT_SQL = """
INSERT INTO ops_ratelimit AS r (key, window_start, hits) VALUES (%(key)s, now(), 1)
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN r.window_start > now() - %(period)s * interval '1 second'
              THEN r.hits + 1 ELSE 1 END,
  window_start = CASE WHEN r.window_start > now() - %(period)s * interval '1 second'
                      THEN r.window_start ELSE now() END
RETURNING hits, ceil(extract(epoch FROM window_start + %(period)s * interval '1 second' - now()))
"""
PEEK_SQL = """
SELECT hits, ceil(extract(epoch FROM window_start + %(period)s * interval '1 second' - now()))
FROM ops_ratelimit WHERE key = %(key)s AND window_start > now() - %(period)s * interval '1 second'
"""
PURGE_SQL = "DELETE FROM ops_ratelimit WHERE window_start < now() - interval '1 day'"


@dataclass(frozen=True)
class Rate:
    """`limit` events per `period` seconds."""

    limit: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/10m' → 10 per 600 s; units s, m, h; '600/1m' and '600/m' alike."""
        match = _RATE.match(text)
        if not match or int(match[1]) < 1:
            raise ValueError(f"limite inválido {text!r}: use N/período, p. ex. 10/10m ou 600/1m")
        return cls(int(match[1]), int(match[2] or 1) * _UNITS[match[3]])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


_pool: ConnectionPool | None = None
_pool_lock = threading.Lock()


def _get_pool() -> ConnectionPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            conf = get_settings()
            _pool = ConnectionPool(
                conf.url_for(conf.database_role), min_size=1, max_size=2, timeout=2,
                kwargs={"autocommit": True, "connect_timeout": 2,
                        "application_name": "sig-ratelimit"},
                check=ConnectionPool.check_connection, open=True, name="sig-ratelimit")
            atexit.register(_pool.close)  # close before interpreter shutdown, not in __del__
        return _pool


def _key(scope: str, value: str) -> str:
    """Scoped key; the value (address, user name, token id) is stored only as a hash."""
    return f"{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _execute(sql: str, key: str, rate: Rate) -> tuple[int, int] | None:
    with _get_pool().connection() as conn:
        row = conn.execute(sql, {"key": key, "period": rate.period}).fetchone()
        if random.random() < 0.005:
            conn.execute(PURGE_SQL)
    return (int(row[0]), int(row[1])) if row else None


def _decide(sql: str, scope: str, value: str, rate: Rate) -> Decision:
    try:
        row = _execute(sql, _key(scope, value), rate)
    except Exception as exc:  # fail open: see the module docstring
        log.warning("limite de pedidos sem base de dados (%s): pedido aceite", exc)
        return Decision(True, 0, rate.limit, 0)
    count, left = row or (0, 0)
    return Decision(count <= rate.limit, count, rate.limit, max(1, left))


def hit(scope: str, value: str, rate: Rate) -> Decision:
    """Count one event for (scope, value) and say whether it is within the rate."""
    return _decide(HIT_SQL, scope, value, rate)


def peek(scope: str, value: str, rate: Rate) -> Decision:
    """Whether one more event would still be allowed, without counting it."""
    decision = _decide(PEEK_SQL, scope, value, rate)
    return Decision(decision.count < rate.limit, decision.count, rate.limit,
                    decision.retry_after)


def reset(scope: str, value: str) -> None:
    """Forget the counter of (scope, value), e.g. after an administrator unblocks someone."""
    with _get_pool().connection() as conn:
        conn.execute("DELETE FROM ops_ratelimit WHERE key = %s", (_key(scope, value),))


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies saw."""
    hops = int(getattr(settings, "SIG_PROXY_COUNT", 0))
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if a.strip()]
    if hops > 0 and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or "desconhecido"


def login_blocked(request: HttpRequest, username: str | None) -> HttpResponse | None:
    """A 429 response when this address or user name failed to log in too often."""
    checks = [("login-ip", client_ip(request), Rate.parse(settings.SIG_LOGIN_IP_RATE))]
    if username:
        checks.append(("login-user", username.strip().lower(),
                       Rate.parse(settings.SIG_LOGIN_RATE)))
    for scope, value, rate in checks:
        decision = peek(scope, value, rate)
        if not decision.allowed:
            log.warning("entrada bloqueada: demasiadas tentativas falhadas (%s)", scope)
            return errors.too_many(request, decision.retry_after,
                                   "Demasiadas tentativas de entrada falhadas.")
    return None


def login_failed(request: HttpRequest | None, username: str | None) -> None:
    """Count a failed login against the address and the user name."""
    if request is not None:
        hit("login-ip", client_ip(request), Rate.parse(settings.SIG_LOGIN_IP_RATE))
    if username:
        hit("login-user", username.strip().lower(), Rate.parse(settings.SIG_LOGIN_RATE))


def check_token(request: HttpRequest, token_id: str) -> HttpResponse | None:
    """Count one API request for this token; a 429 response when over the rate."""
    decision = hit("token", token_id, Rate.parse(settings.SIG_API_TOKEN_RATE))
    if decision.allowed:
        return None
    return errors.too_many(request, decision.retry_after,
                           f"Este token excedeu o limite de {decision.limit} pedidos.")


def rate_limited(scope: str, rate: str,
                 key: Callable[[HttpRequest], str] = client_ip) -> Callable:
    """View decorator: at most `rate` requests per `key(request)` (client address)."""
    parsed = Rate.parse(rate)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            decision = hit(scope, key(request), parsed)
            if not decision.allowed:
                return errors.too_many(request, decision.retry_after, "Demasiados pedidos.")
            return view(request, *args, **kwargs)
        return wrapper
    return decorator
