"""Personal data (RGPD): a planted name, e-mail and phone appear in no public output, not even
in the audit log; the purge erases contacts and photos after the retention period."""

from __future__ import annotations

import psycopg
import pytest

from sig.conf import get_settings
from sig.ocorrencias.keys import new_key
from sig.ocorrencias.purge import purge
from tests.ocorrencias.conftest import LEIRIA, filled_form_token, jpeg, report_data

EMAIL = "rgpd.marcador@example.pt"
PHONE = "+351 912 000 777"
NAME = "Marcadora Rgpd Teste"
SECRETS = (EMAIL, "912 000 777", "912000777", NAME, "Marcadora")


def assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), f"{secret!r} leaked in {where}"


def public_outputs(client, codes: list[str]) -> dict[str, str]:
    pages = {f"/ocorrencias/{code}/": None for code in codes}
    pages |= {f"/open311/v2/requests/{code}.{fmt}": None
              for code in codes for fmt in ("json", "xml")}
    pages |= {f"/open311/v2/requests.{fmt}": None for fmt in ("json", "xml")}
    pages |= {"/open311/v2/services.json": None}
    # Open data and indicators, where they are published.
    extra = ["/ocorrencias/indicadores.json", "/ocorrencias/indicadores.csv", "/indicadores/",
             "/dados/catalogo.jsonld", "/dados/ocorrencias.csv", "/dados/ocorrencias.geojson",
             "/ogcapi/collections/ocorrencias/items?limit=1000"]
    outputs = {}
    for url in [*pages, *extra]:
        response = client.get(url)
        if url in pages:
            assert response.status_code == 200, url
        if response.status_code == 200:
            content = b"".join(response.streaming_content) if response.streaming else \
                response.content
            outputs[url] = content.decode("utf-8", "replace")
    return outputs


def test_planted_personal_data_appears_in_no_public_output(client, caop, db):
    web = client.post("/ocorrencias/", {
        "formulario": filled_form_token(), **report_data(), "nome": NAME, "email": EMAIL,
        "telefone": PHONE, "fotografias": []}, HTTP_ACCEPT="application/json").json()["codigo"]
    key = new_key("rgpd")
    open311 = client.post("/open311/v2/requests.json", {
        "api_key": key, "service_code": "via", "lat": LEIRIA[1], "long": LEIRIA[0],
        "description": "Buraco", "email": EMAIL, "phone": PHONE, "first_name": "Marcadora",
        "last_name": "Rgpd Teste"}).json()[0]["service_request_id"]
    outputs = public_outputs(client, [web, open311])
    assert len(outputs) >= 9
    for url, text in outputs.items():
        assert_clean(text, url)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(p)::text FROM ocorrencia_publica p WHERE codigo IN "
                       "(%s, %s)", [web, open311])
        rows = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT coalesce(string_agg(to_jsonb(c)::text, ' '), '') "
                       "FROM audit.change_log c WHERE table_name LIKE 'ocorrencia%%' "
                       "AND id > (SELECT max(id) - 50 FROM audit.change_log)")
        log = cursor.fetchone()[0]
    assert len(rows) == 2
    for row in rows:
        assert_clean(row, "ocorrencia_publica")
    assert_clean(log, "audit.change_log")


def test_the_purge_erases_personal_data_after_the_retention(caop):
    settings = get_settings()
    with psycopg.connect(settings.database_url) as app:
        pk = app.execute(
            "SELECT ocorrencia_id FROM acl.ocorrencia_criar('via', %s, %s, 'x', NULL, 's', 1, "
            "NULL, NULL, NULL, '{}'::jsonb, 'web', %s::jsonb, ARRAY[%s]::bytea[], "
            "ARRAY[10, 10])", (*LEIRIA, '{"email": "purga@example.pt"}', jpeg(10, 10))
        ).fetchone()[0]
    with psycopg.connect(settings.database_owner_url) as owner:
        owner.execute("UPDATE ocorrencia SET estado = 'rejeitada' WHERE id = %s", (pk,))
        owner.commit()
        kept = purge(owner, 1)
        assert owner.execute("SELECT count(*) FROM ocorrencia_contacto WHERE ocorrencia = %s",
                             (pk,)).fetchone()[0] == 1
        done = purge(owner, 0)
        left = owner.execute(
            "SELECT (SELECT count(*) FROM ocorrencia_contacto WHERE ocorrencia = %(pk)s), "
            "(SELECT count(*) FROM ocorrencia_foto WHERE ocorrencia = %(pk)s), "
            "(SELECT dados_pessoais_apagados_em IS NOT NULL FROM ocorrencia WHERE id = %(pk)s)",
            {"pk": pk}).fetchone()
    assert done.contactos >= 1 and done.fotografias >= 1 and kept.contactos >= 0
    assert left == (0, 0, True)


def test_no_service_role_may_erase_or_read_personal_data_it_should_not(caop):
    settings = get_settings()
    for url in (settings.database_url, settings.database_reader_url,
                settings.database_importer_url):
        with psycopg.connect(url) as conn:
            for statement in ("DELETE FROM ocorrencia_contacto",
                              "UPDATE ocorrencia_contacto SET email = NULL",
                              "DELETE FROM ocorrencia_foto"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
                conn.rollback()


# Open-data outputs of the occurrences, read by their own connections (sig_reader): the data
# is committed first, and each output must show the occurrence (the scan is not vacuous).
OPEN_OUTPUTS = (
    "/ogcapi/collections/ocorrencias/items?limit=1000&f=json",   # also the web map's layer
    "/ogcapi/collections/ocorrencias/items?limit=1000&f=html",
    "/ogcapi/collections/ocorrencias/items?limit=1000&f=csv",
    "/ogcapi/collections/ocorrencias/items/{code}?f=json",
    "/dados/ocorrencias.csv", "/dados/ocorrencias.geojson",
)
OPEN_METADATA = ("/ogcapi/collections/ocorrencias?f=json", "/ogcapi/collections/ocorrencias/"
                 "queryables?f=json", "/dados/catalogo.jsonld", "/dados/catalogo.ttl",
                 "/indicadores/", "/indicadores/indicadores.csv")


def test_planted_personal_data_appears_in_no_open_data_output(client, caop, db, app):
    from tests.ocorrencias.test_exposure import publish

    code, token = publish(app, {"nome": NAME, "email": EMAIL, "telefone": PHONE})
    for url in OPEN_OUTPUTS + OPEN_METADATA:
        response = client.get(url.format(code=code))
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else \
            response.content
        text = content.decode("utf-8", "replace")
        assert_clean(text, url)
        assert token not in text, url
        if url in OPEN_OUTPUTS:
            assert code in text, url
