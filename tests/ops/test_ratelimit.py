"""Rate limits kept in PostgreSQL: failed logins (admin login) and API requests per token."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client, RequestFactory

from sig.ops import ratelimit
from sig.ops.ratelimit import Rate

pytestmark = pytest.mark.urls("tests.ops.urls")


@pytest.fixture
def forget():
    """Counters this test creates, removed afterwards (they live in the shared table)."""
    keys: list[tuple[str, str]] = []
    yield keys.append
    for scope, value in keys:
        ratelimit.reset(scope, value)


def test_rates_parse_and_bad_rates_are_named():
    assert Rate.parse("10/10m") == Rate(10, 600)
    assert Rate.parse("600/m") == Rate(600, 60)
    assert Rate.parse(" 5 / 30s ") == Rate(5, 30)
    assert Rate.parse("100/2h") == Rate(100, 7200)
    for bad in ("10", "0/1m", "dez/1m", "10/1d"):
        with pytest.raises(ValueError, match="limite inválido"):
            Rate.parse(bad)


def test_hits_count_within_a_window_and_peek_does_not_count(forget):
    value = uuid.uuid4().hex
    forget(("teste", value))
    rate = Rate(2, 60)
    assert ratelimit.peek("teste", value, rate).allowed
    first, second, third = (ratelimit.hit("teste", value, rate) for _ in range(3))
    assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    assert third.count == 3 and 0 < third.retry_after <= 60
    assert not ratelimit.peek("teste", value, rate).allowed
    assert ratelimit.hit("teste", uuid.uuid4().hex, rate).allowed  # other keys are apart


def _login(client: Client, username: str):
    return client.post("/admin/login/", {"username": username, "password": "errada"})


@pytest.mark.django_db
def test_admin_login_is_refused_after_too_many_failures(settings, forget):
    settings.SIG_LOGIN_RATE = "3/10m"
    username, address = f"ataque-{uuid.uuid4().hex[:8]}", "192.0.2.10"
    forget(("login-user", username))
    forget(("login-ip", address))
    client = Client(REMOTE_ADDR=address)
    for _ in range(3):
        assert _login(client, username).status_code == 200  # the form again, with an error
    blocked = _login(client, username)
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 60
    page = blocked.content.decode()
    assert "Demasiadas tentativas de entrada falhadas" in page and "minutos" in page
    assert _login(client, "outra-pessoa").status_code == 200  # the address is not blocked
    forget(("login-user", "outra-pessoa"))


@pytest.mark.django_db
def test_one_address_trying_many_names_is_refused(settings, forget):
    settings.SIG_LOGIN_IP_RATE = "2/10m"
    address = "192.0.2.20"
    forget(("login-ip", address))
    client = Client(REMOTE_ADDR=address)
    names = [f"nome-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for name in names:
        forget(("login-user", name))
    assert [_login(client, name).status_code for name in names] == [200, 200, 429]


def test_behind_a_proxy_the_forwarded_address_counts(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.9")
    settings.SIG_PROXY_COUNT = 0
    assert ratelimit.client_ip(request) == "10.0.0.2"
    settings.SIG_PROXY_COUNT = 1
    assert ratelimit.client_ip(request) == "198.51.100.9"
    settings.SIG_PROXY_COUNT = 2
    assert ratelimit.client_ip(request) == "203.0.113.7"


def test_api_requests_are_limited_per_token(settings, forget):
    settings.SIG_API_TOKEN_RATE = "2/1m"
    token, other = uuid.uuid4().hex, uuid.uuid4().hex
    forget(("token", token))
    forget(("token", other))
    request = RequestFactory().get("/ogcapi/collections/moradas/items")
    assert ratelimit.check_token(request, token) is None
    assert ratelimit.check_token(request, token) is None
    refused = ratelimit.check_token(request, token)
    assert refused is not None and refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert "limite de 2 pedidos" in refused.content.decode()
    assert ratelimit.check_token(request, other) is None


def test_decorated_view_is_limited_per_address(forget):
    address = "192.0.2.30"
    forget(("teste-vista", address))
    view = ratelimit.rate_limited("teste-vista", "1/1m")(lambda request: "ok")
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    assert view(request) == "ok"
    assert view(request).status_code == 429


@pytest.mark.django_db
@pytest.mark.urls("sig.urls")
def test_the_login_page_of_the_service_is_limited_too(settings, forget):
    settings.SIG_LOGIN_RATE = "2/10m"
    username, address = f"editor-{uuid.uuid4().hex[:8]}", "192.0.2.40"
    forget(("login-user", username))
    forget(("login-ip", address))
    client = Client(REMOTE_ADDR=address)
    statuses = [client.post(settings.LOGIN_URL, {"username": username, "password": "errada"}
                            ).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
