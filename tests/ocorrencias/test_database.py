"""The occurrences' rules in PostgreSQL, run as the real roles: routing, visibility and
changes limited to one's municipality, the state steps, immutable columns, row versions, the
append-only history and the audit log."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors, sql

from sig.conf import get_settings, with_database, with_user
from tests.conftest import act_as

CREATE = ("SELECT * FROM acl.ocorrencia_criar('iluminacao', %s, %s, 'teste', NULL, 'serviço', "
          "72, NULL, NULL, NULL, '{}'::jsonb, 'web', %s::jsonb, NULL, NULL)")
LEIRIA = (-8.8078, 39.7475)
MARINHA = (-8.9314, 39.7485)
EDITOR_1009 = "teste_oc_editor_1009"


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=5, application_name="ataque")


@pytest.fixture(scope="module")
def editor_login(caop):
    admin = with_database(get_settings().database_admin_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(EDITOR_1009)))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN INHERIT IN ROLE editor_1009")
                     .format(sql.Identifier(EDITOR_1009)))
    return with_user(get_settings().database_url, EDITOR_1009)


def create(where, contact: str = "{}") -> tuple[int, str]:
    """A report made anonymously through sig_app."""
    with _connect(get_settings().database_url) as app:
        pk, code, _ = app.execute(CREATE, (*where, contact)).fetchone()
    return pk, code


def state(pk: int) -> tuple:
    with _connect(get_settings().database_owner_url) as owner:
        return owner.execute("SELECT estado, atribuida_a, row_version FROM ocorrencia "
                             "WHERE id = %s", (pk,)).fetchone()


def test_a_report_is_routed_to_the_municipality_containing_it(caop):
    pk, code = create(MARINHA)
    with _connect(get_settings().database_owner_url) as owner:
        row = owner.execute("SELECT municipio, freguesia, estado, codigo FROM ocorrencia "
                            "WHERE id = %s", (pk,)).fetchone()
        freguesia = owner.execute("SELECT municipio FROM freguesia WHERE dicofre = %s",
                                  (row[1],)).fetchone()[0]
    assert row[0] == "1010" and freguesia == "1010"
    assert row[2:] == ("nova", code)


def test_the_freguesia_of_a_report_cannot_be_deleted(caop):
    pk, _ = create(MARINHA)
    with _connect(get_settings().database_owner_url) as owner:
        freguesia = owner.execute("SELECT freguesia FROM ocorrencia WHERE id = %s",
                                  (pk,)).fetchone()[0]
        with pytest.raises(errors.ForeignKeyViolation,
                           match=f"freguesia {freguesia} tem elementos em "):
            owner.execute("DELETE FROM freguesia WHERE dicofre = %s", (freguesia,))


@pytest.mark.parametrize("where", [(-9.1393, 38.7223), (-8.4292, 40.2033)])
def test_a_point_outside_the_served_municipalities_is_refused(caop, where):
    with _connect(get_settings().database_url) as app:
        with pytest.raises(psycopg.Error, match="fora dos municípios servidos") as raised:
            app.execute(CREATE, (*where, "{}"))
    assert raised.value.sqlstate == "SO422"


def test_nobody_but_the_creation_function_inserts(caop, editor_login):
    insert = ("INSERT INTO ocorrencia (codigo, token, categoria, geom, descricao) VALUES "
              "('LV-AAAA-AAAA', 'x', 'iluminacao', 'SRID=3763;POINT(-57826 9015)', 'x')")
    settings = get_settings()
    for url in (settings.database_url, editor_login, settings.database_reader_url,
                settings.database_importer_url):
        with _connect(url) as conn:
            if url == settings.database_url:
                act_as(conn, "ana", ["1009"])
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(insert)


def test_staff_see_only_their_municipality(caop, editor_login):
    own, _ = create(LEIRIA, '{"email": "a@example.pt"}')
    other, _ = create(MARINHA, '{"email": "b@example.pt"}')
    with _connect(get_settings().database_url) as app:
        act_as(app, "ana", ["1009"])
        seen = {r[0] for r in app.execute("SELECT id FROM ocorrencia WHERE id IN (%s, %s)",
                                          (own, other))}
        contacts = {r[0] for r in app.execute(
            "SELECT ocorrencia FROM ocorrencia_contacto WHERE ocorrencia IN (%s, %s)",
            (own, other))}
    assert seen == {own} and contacts == {own}
    with _connect(editor_login) as editor:
        seen = {r[0] for r in editor.execute("SELECT id FROM ocorrencia WHERE id IN (%s, %s)",
                                             (own, other))}
    assert seen == {own}


@pytest.mark.parametrize("via", ["sig_app", "editor login"])
def test_triage_of_another_municipality_is_refused_by_the_database(caop, editor_login, via):
    """The attack: an editor of Leiria closes, assigns and annotates an occurrence of Marinha
    Grande straight in the database. Without the policies each statement would succeed."""
    target, _ = create(MARINHA)
    before = state(target)
    url = get_settings().database_url if via == "sig_app" else editor_login
    with _connect(url) as conn:
        if via == "sig_app":
            act_as(conn, "ana", ["1009"])
        changed = conn.execute("UPDATE ocorrencia SET estado = 'rejeitada', atribuida_a = 'ana' "
                               "WHERE id = %s", (target,)).rowcount
        assert changed == 0
        with pytest.raises(errors.InsufficientPrivilege, match="não pode tratar|row-level"):
            conn.execute("INSERT INTO ocorrencia_evento (ocorrencia, tipo, publico, texto) "
                         "VALUES (%s, 'resposta', true, 'fechada por outro município')",
                         (target,))
        conn.rollback()
    assert state(target) == before


def test_staff_change_their_own_with_the_state_steps_version_and_audit(caop, editor_login):
    pk, _ = create(LEIRIA)
    with _connect(editor_login) as editor:
        editor.execute("UPDATE ocorrencia SET estado = 'em_analise', atribuida_a = 'rui' "
                       "WHERE id = %s", (pk,))
        editor.commit()
        with pytest.raises(psycopg.Error, match="não pode passar de em_analise a nova"):
            editor.execute("UPDATE ocorrencia SET estado = 'nova' WHERE id = %s", (pk,))
        editor.rollback()
        with pytest.raises(psycopg.Error, match="alterado por outra pessoa") as stale:
            editor.execute("UPDATE ocorrencia SET estado = 'resolvida', row_version = 1 "
                           "WHERE id = %s", (pk,))
        assert stale.value.sqlstate == "SG412"
        editor.rollback()
    assert state(pk) == ("em_analise", "rui", 2)
    with _connect(get_settings().database_owner_url) as owner:
        log = owner.execute("SELECT op, db_user FROM audit.change_log WHERE table_name = "
                            "'ocorrencia' AND row_id = %s ORDER BY id", (pk,)).fetchall()
        history = owner.execute("SELECT tipo, estado FROM ocorrencia_evento WHERE ocorrencia = "
                                "%s ORDER BY id", (pk,)).fetchall()
    assert log == [("I", "sig_app"), ("U", EDITOR_1009)]
    assert history == [("estado", "nova"), ("estado", "em_analise")]


@pytest.mark.parametrize("column, value", [
    ("descricao", "'reescrita'"), ("geom", "'SRID=3763;POINT(-57500 9300)'"),
    ("municipio", "'1010'"), ("codigo", "'LV-BBBB-BBBB'"), ("fechada_em", "now()")])
def test_only_the_triage_columns_change(caop, column, value):
    pk, _ = create(LEIRIA)
    with _connect(get_settings().database_url) as app:
        act_as(app, "admin", list(get_settings().municipios))
        statement = f"UPDATE ocorrencia SET {column} = {value} WHERE id = %s"
        try:
            app.execute(statement, (pk,))
        except psycopg.Error:
            app.rollback()
            return
        app.commit()
    # No column privilege to refuse it: the trigger must have kept the stored value.
    with _connect(get_settings().database_owner_url) as owner:
        kept = owner.execute(f"SELECT {column} IS NOT DISTINCT FROM ({value}) FROM ocorrencia "
                             "WHERE id = %s", (pk,)).fetchone()[0]
    assert not kept


def test_the_history_is_append_only_and_state_entries_come_from_the_database(caop,
                                                                            editor_login):
    pk, _ = create(LEIRIA)
    with _connect(editor_login) as editor:
        for statement in ("UPDATE ocorrencia_evento SET texto = 'x' WHERE ocorrencia = %s",
                          "DELETE FROM ocorrencia_evento WHERE ocorrencia = %s",
                          "INSERT INTO ocorrencia_evento (ocorrencia, tipo, publico) "
                          "VALUES (%s, 'estado', true)"):
            with pytest.raises(errors.InsufficientPrivilege):
                editor.execute(statement, (pk,))
            editor.rollback()


def test_the_reader_sees_only_the_public_projection(caop):
    pk, _ = create(LEIRIA, '{"email": "leitor@example.pt"}')
    with _connect(get_settings().database_reader_url) as reader:
        for table in ("ocorrencia", "ocorrencia_contacto", "ocorrencia_foto",
                      "ocorrencia_evento", "open311_chave"):
            with pytest.raises(errors.InsufficientPrivilege):
                reader.execute(f"SELECT * FROM {table} LIMIT 1")
            reader.rollback()
        columns = [c.name for c in reader.execute(
            "SELECT * FROM ocorrencia_publica WHERE id = %s", (pk,)).description]
    assert not {"atribuida_a", "email", "nome", "telefone", "token_", "elemento_id"} & set(columns)
