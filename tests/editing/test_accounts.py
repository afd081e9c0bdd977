"""People, roles, tokens and the console commands that manage them."""

from __future__ import annotations

import io
import uuid

import pytest
from django.test import Client

from sig.cli import main
from sig.conf import get_settings
from sig.db.connect import DatabaseUnavailable, connect_as, connect_login
from sig.editing import qgis
from sig.editing.accounts import (
    AccountError,
    actor_for,
    add_user,
    get_user,
    new_token,
    user_for_token,
)

pytestmark = pytest.mark.django_db


def test_roles_give_the_right_municipalities(caop):
    add_user("admin_cimrl", "admin", password="Castelo-de-Leiria-9")
    add_user("editora", "editor", ["1009", "1015"], password="Pinhal-do-Rei-1324")
    add_user("leitor", "viewer", password="Rio-Lis-e-Lena-5")
    admin = actor_for(get_user("admin_cimrl"))
    assert admin.municipios == tuple(get_settings().municipios) and admin.can_edit
    assert get_user("admin_cimrl").is_staff and get_user("admin_cimrl").is_superuser
    assert actor_for(get_user("editora")).municipios == ("1009", "1015")
    viewer = actor_for(get_user("leitor"))
    assert viewer.municipios == () and not viewer.can_edit
    assert not get_user("leitor").is_staff


@pytest.mark.parametrize("role, dicos, password, message", [
    ("editor", [], None, "pelo menos um município"),
    ("editor", ["9999"], None, "9999"),
    ("chefe", [], None, "papel desconhecido"),
    ("viewer", [], "123", "palavra-passe recusada"),
])
def test_account_errors_are_clear(caop, role, dicos, password, message):
    with pytest.raises(AccountError, match=message):
        add_user("alguem", role, dicos, password=password)


def test_tokens_are_replaced_and_stop_with_revocation(ana):
    first = new_token("ana")
    second = new_token("ana")
    assert user_for_token(first) is None and user_for_token(second).username == "ana"
    assert main(["revoke", "ana"]) == 0
    assert user_for_token(second) is None


def test_user_add_command_with_password_from_stdin(caop, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Palavra-passe-longa-1\n"))
    assert main(["user", "add", "joana", "--role", "editor", "--municipio", "1009,1010",
                 "--password-stdin"]) == 0
    assert "criado" in capsys.readouterr().out
    assert get_user("joana").check_password("Palavra-passe-longa-1")
    assert actor_for(get_user("joana")).municipios == ("1009", "1010")
    assert main(["user", "add", "joana", "--role", "viewer"]) == 0
    assert actor_for(get_user("joana")).municipios == ()
    assert main(["user", "add", "x", "--role", "editor", "--municipio", "1234"]) == 2
    assert "1234" in capsys.readouterr().err


def test_token_command_prints_a_working_token(ana, capsys):
    assert main(["token", "ana"]) == 0
    token = [line for line in capsys.readouterr().out.splitlines() if line.startswith("sig_")][0]
    response = Client().get("/editor/alteracoes.json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def memberships(login: str) -> set[str]:
    with connect_as("admin") as conn:
        rows = conn.execute("SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g "
                            "ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                            "WHERE u.rolname = %s", (login,)).fetchall()
    return {r[0] for r in rows}


def test_grant_qgis_creates_syncs_and_revokes_the_login(caop, monkeypatch, capsys):
    name = "q" + uuid.uuid4().hex[:8]
    add_user(name, "editor", ["1009"], password="Qgis-user-2026-x")
    monkeypatch.setattr("sys.stdin", io.StringIO("Qgis-login-2026-x\n"))
    assert main(["grant-qgis", name, "--password-stdin"]) == 0
    out = capsys.readouterr().out
    login = qgis.login_name(name)
    assert f"user={login}" in out and "[sig-cimrl]" in out and "Qgis-login" not in out
    assert memberships(login) == {"editor_1009"}
    with connect_login(login, "Qgis-login-2026-x") as conn:
        assert conn.execute("SELECT acl.editable_municipios()").fetchone()[0] == ["1009"]
    add_user(name, "editor", ["1009", "1015"])
    assert main(["grant-qgis", name]) == 0
    assert memberships(login) == {"editor_1009", "editor_1015"}
    add_user(name, "viewer")
    main(["grant-qgis", name])
    assert memberships(login) == {"sig_reader"}
    assert main(["revoke", name]) == 0
    assert memberships(login) == set()
    with pytest.raises(DatabaseUnavailable):
        connect_login(login, "Qgis-login-2026-x")


def test_grant_qgis_never_takes_over_a_foreign_role(caop):
    name = "intruso"
    with connect_as("admin", autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS qgis_intruso")
        conn.execute("CREATE ROLE qgis_intruso NOLOGIN")
    add_user(name, "editor", ["1009"], password="Vizinho-Pombal-77")
    with pytest.raises(AccountError, match="não foi criado por este serviço"):
        qgis.grant(actor_for(get_user(name)))
    assert memberships("qgis_intruso") == set()
