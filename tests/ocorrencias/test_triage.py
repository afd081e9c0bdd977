"""Triage through the domain functions and the editor's JSON endpoints: state steps, merging
duplicates, public replies and internal notes, e-mail to the reporter (a real SMTP sink)."""

from __future__ import annotations

import json
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from sig.editing.accounts import get_user
from sig.editing.errors import EditingError
from sig.ocorrencias import triage
from tests.conftest import free_port
from tests.ocorrencias.conftest import MARINHA

SMTP_PORTS = range(18250, 18300)
API = "/editor/api/ocorrencias"


class Sink:
    """Collects every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(sig_env):
    sink = Sink()
    port = free_port(SMTP_PORTS)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sig_env(SIG_SMTP_HOST="127.0.0.1", SIG_SMTP_PORT=str(port))
    yield sink
    controller.stop()


def test_state_changes_reach_the_reporter_by_email(new_report, ana, smtp,
                                                   django_capture_on_commit_callbacks):
    created = new_report(email="reporter@example.pt", idioma="en")
    with django_capture_on_commit_callbacks(execute=True):
        after = triage.change(ana, created.codigo, {"estado": "em_analise"}, 1)
    assert after["estado"] == "em_analise" and after["row_version"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        triage.add_note(ana, created.codigo, "Só para a equipa", publico=False)
        triage.add_note(ana, created.codigo, "Equipa enviada ao local", publico=True)
    assert len(smtp.messages) == 2
    (to, first), (_, second) = smtp.messages
    assert to == ["reporter@example.pt"] and "Under review" in first["Subject"]
    assert "Equipa enviada ao local" in second.get_payload()
    assert f"/ocorrencias/{created.codigo}/?lang=en" in second.get_payload()
    assert all("Só para a equipa" not in m.get_payload() for _, m in smtp.messages)


def test_a_stale_version_and_a_forbidden_step_are_refused(new_report, ana):
    created = new_report()
    triage.change(ana, created.codigo, {"estado": "em_analise"}, 1)
    with pytest.raises(EditingError) as stale:
        triage.change(ana, created.codigo, {"estado": "resolvida"}, 1)
    assert stale.value.status == 412
    with pytest.raises(EditingError) as step:
        triage.change(ana, created.codigo, {"estado": "nova"}, 2)
    assert step.value.status == 409 and "não pode passar" in step.value.message


def test_another_municipality_is_invisible_to_staff(new_report, ana, marta, cimrl):
    created = new_report(where=MARINHA)
    with pytest.raises(EditingError) as hidden:
        triage.change(ana, created.codigo, {"estado": "rejeitada"}, 1)
    assert hidden.value.status == 404
    assert created.codigo not in {o["codigo"] for o in triage.listing(ana)}
    assert triage.detail(marta, created.codigo)["municipio"] == "1010"
    assert created.codigo in {o["codigo"] for o in triage.listing(cimrl)}


def test_merging_duplicates_keeps_both_codes_working(client, new_report, ana):
    main, copy = new_report(), new_report()
    triage.change(ana, copy.codigo, {"estado": "duplicada", "duplicada_de": main.codigo}, 1)
    page = client.get(f"/ocorrencias/{copy.codigo}/").content.decode()
    assert "Duplicada" in page and main.codigo in page
    assert copy.codigo in client.get(f"/ocorrencias/{main.codigo}/").content.decode()
    with pytest.raises(EditingError):
        triage.change(ana, main.codigo, {"estado": "duplicada", "duplicada_de": copy.codigo}, 1)


def test_the_json_endpoints(client, new_report, ana):
    created = new_report(email="x@example.pt", photos=[])
    assert client.get(f"{API}/").status_code == 401
    client.force_login(get_user("ana.oc"))
    listed = client.get(f"{API}/?estado=nova").json()
    assert created.codigo in {o["codigo"] for o in listed["ocorrencias"]}
    detail = client.get(f"{API}/{created.codigo}").json()
    assert detail["contacto"]["email"] == "x@example.pt"
    response = client.post(f"{API}/{created.codigo}/alterar", json.dumps(
        {"estado": "em_analise", "atribuida_a": "rui", "row_version": 1}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["atribuida_a"] == "rui"
    note = client.post(f"{API}/{created.codigo}/notas", json.dumps(
        {"texto": "interna", "publico": False}), content_type="application/json")
    assert note.status_code == 201 and note.json()["eventos"][-1]["tipo"] == "nota"
