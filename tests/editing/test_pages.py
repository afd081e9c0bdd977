"""Sign-in, sign-out, password change, session expiry, the failed-login limit, the editor page."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from sig.editing.accounts import add_user, get_user
from tests.editing.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def fresh_client() -> Client:
    """A client from its own address (the failed-login limit also counts per address)."""
    return Client(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7")


def test_editor_needs_sign_in(client):
    response = client.get("/editor/")
    assert response.status_code == 302 and response["Location"].startswith("/editor/entrar/")


def test_sign_in_shows_the_editor_with_its_configuration(ana):
    client = fresh_client()
    page = client.get("/editor/entrar/")
    assert page.status_code == 200 and 'lang="pt-PT"' in page.content.decode()
    response = client.post("/editor/entrar/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/editor/"
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE == 8 * 3600
    html = client.get("/editor/").content.decode()
    assert "/static/web/dist/editor.js" in html and "/static/web/dist/editor.css" in html
    start = html.index('id="sig-editor-config"')
    config = json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])
    assert config["user"] == {"username": "ana", "role": "editor", "municipios": ["1009"]}
    equipamentos = next(t for t in config["themes"] if t["id"] == "equipamentos")
    tipo = next(a for a in equipamentos["attributes"] if a["name"] == "tipo")
    assert tipo["required"] and {"code": "saude", "label": "Saúde"} in tipo["codes"]


def test_expired_session_is_refused(as_ana):
    assert as_ana.get("/editor/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert as_ana.get("/editor/").status_code == 302


def test_sign_out_needs_post_and_ends_the_session(as_ana):
    response = as_ana.post("/editor/sair/")
    assert response.status_code == 302
    assert as_ana.get("/editor/").status_code == 302


def test_password_change(caop):
    name = "p" + uuid.uuid4().hex[:8]
    add_user(name, "editor", ["1009"], password=PASSWORD)
    client = fresh_client()
    client.force_login(get_user(name))
    weak = client.post("/editor/palavra-passe/", {
        "old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "role=\"alert\"" in weak.content.decode()
    response = client.post("/editor/palavra-passe/", {
        "old_password": PASSWORD, "new_password1": "Outra-senha-2026",
        "new_password2": "Outra-senha-2026"})
    assert response.status_code == 302
    assert get_user(name).check_password("Outra-senha-2026")


def test_failed_sign_ins_are_limited(caop):
    name = "f" + uuid.uuid4().hex[:8]
    add_user(name, "editor", ["1009"], password=PASSWORD)
    client = fresh_client()
    statuses = [client.post("/editor/entrar/", {"username": name, "password": "errada"})
                .status_code for _ in range(12)]
    assert statuses[0] == 200 and statuses[-1] == 429
    blocked = client.post("/editor/entrar/", {"username": name, "password": PASSWORD})
    assert blocked.status_code == 429  # even with the right password, for a while
    assert "Tente de novo" in blocked.content.decode()



def test_admin_edits_roles_in_portuguese(caop):
    from sig.editing.models import Perfil

    add_user("chefe", "admin", password=PASSWORD)
    add_user("maria", "viewer", password=PASSWORD)
    client = fresh_client()
    client.force_login(get_user("chefe"))
    maria = get_user("maria")
    page = client.get(f"/admin/auth/user/{maria.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and "Editor municipal" in html and "Papel" in html
    form = {"username": "maria", "is_active": "on", "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00", "perfil_sig-TOTAL_FORMS": "1",
            "perfil_sig-INITIAL_FORMS": "1", "perfil_sig-MIN_NUM_FORMS": "0",
            "perfil_sig-MAX_NUM_FORMS": "1", "perfil_sig-0-id": Perfil.objects.get(user=maria).pk,
            "perfil_sig-0-user": maria.pk, "perfil_sig-0-papel": "admin",
            "tokens_api-TOTAL_FORMS": "0", "tokens_api-INITIAL_FORMS": "0",
            "tokens_api-MIN_NUM_FORMS": "0", "tokens_api-MAX_NUM_FORMS": "1000"}
    response = client.post(f"/admin/auth/user/{maria.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    maria.refresh_from_db()
    assert maria.is_staff and maria.is_superuser
