"""Database rules, exercised as the real roles (never a superuser or the owner for rights)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from sig.core.security import FORMER_TRIGGERS, THEME_TRIGGERS
from sig.registry import get_registry
from tests.conftest import act_as

POINT_1009 = "SRID=3763;POINT(-57826 9015)"  # Leiria castle
POINT_1010 = "SRID=3763;POINT(-70986 13835)"  # Marinha Grande
POINT_SEA = "SRID=3763;POINT(-120000 20000)"  # Atlantic, outside every municipality

INSERT = ("INSERT INTO equipamentos (municipio, tipo, nome, geom) "
          "VALUES (%s, 'cultura', %s, %s) RETURNING id, row_version")


def test_every_theme_table_has_rls_and_all_triggers(owner):
    for theme in get_registry():
        enabled, forced = owner.execute(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE oid = %s::regclass", (f"public.{theme.table}",)).fetchone()
        assert enabled and forced, theme.id
        triggers = {r[0] for r in owner.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            (f"public.{theme.table}",))}
        assert set(THEME_TRIGGERS) <= triggers, theme.id
        assert not set(FORMER_TRIGGERS) & triggers, theme.id
        policies = owner.execute("SELECT count(*) FROM pg_policies WHERE tablename = %s",
                                 (theme.table,)).fetchone()[0]
        assert policies == 4, theme.id


def test_service_roles_are_not_privileged(owner):
    rows = dict(owner.execute("SELECT rolname, rolsuper OR rolbypassrls FROM pg_roles "
                              "WHERE rolname IN ('sig_app', 'sig_reader', 'editor_1009')"))
    assert rows == {"sig_app": False, "sig_reader": False, "editor_1009": False}


def _insert(conn, dico, point, name="Teste"):
    return conn.execute(INSERT, (dico, name, point)).fetchone()


def test_app_user_writes_own_municipality_only(caop, app):
    act_as(app, "ana", ["1009"])
    feature_id, version = _insert(app, "1009", POINT_1009)
    assert version == 1
    with pytest.raises(errors.InsufficientPrivilege, match="município 1010"):
        _insert(app, "1010", POINT_1010)
    app.rollback()


def test_app_without_stated_municipalities_writes_nothing(caop, app):
    with pytest.raises(errors.InsufficientPrivilege):
        _insert(app, "1009", POINT_1009)
    app.rollback()


@pytest.fixture
def feature_1010(caop, owner):
    row = owner.execute(INSERT, ("1010", "Do vizinho", POINT_1010)).fetchone()
    owner.commit()
    yield row[0]
    owner.execute("DELETE FROM equipamentos WHERE id = %s", (row[0],))
    owner.commit()


def test_editor_login_cannot_touch_neighbour_features(feature_1010, editor):
    for statement in ("UPDATE equipamentos SET nome = 'x' WHERE id = %s",
                      "DELETE FROM equipamentos WHERE id = %s",
                      "UPDATE equipamentos SET municipio = '1009' WHERE id = %s"):
        with pytest.raises(errors.InsufficientPrivilege, match="pertence ao município 1010"):
            editor.execute(statement, (feature_1010,))
        editor.rollback()


def test_editor_login_cannot_retag_own_feature_to_neighbour(caop, editor):
    feature_id, _ = _insert(editor, "1009", POINT_1009)
    with pytest.raises(errors.InsufficientPrivilege, match="município 1010"):
        editor.execute("UPDATE equipamentos SET municipio = '1010', geom = %s WHERE id = %s",
                       (POINT_1010, feature_id))
    editor.rollback()


def test_reader_cannot_write(caop, reader):
    with pytest.raises(errors.InsufficientPrivilege):
        _insert(reader, "1009", POINT_1009)


def test_geometry_outside_the_municipality_is_refused(caop, editor):
    with pytest.raises(psycopg.Error, match="fora do município 1009") as info:
        _insert(editor, "1009", POINT_SEA)
    assert info.value.sqlstate == "SG004"


@pytest.mark.parametrize(("third", "sqlstate"), [
    (POINT_SEA, "SG004"), ("SRID=3763;POINT EMPTY", "SG001"), (None, "SG001")])
def test_one_bad_geometry_refuses_a_multi_row_insert(caop, app, owner, third, sqlstate):
    act_as(app, "ana", ["1009"])
    before = owner.execute("SELECT count(*) FROM equipamentos").fetchone()[0]
    with pytest.raises(psycopg.Error) as info:
        app.execute("INSERT INTO equipamentos (municipio, tipo, nome, geom) "
                    "VALUES ('1009', 'cultura', 'a', %s), ('1009', 'cultura', 'b', %s), "
                    "('1009', 'cultura', 'c', %s)", (POINT_1009, POINT_1009, third))
    assert info.value.sqlstate == sqlstate
    app.rollback()
    assert owner.execute("SELECT count(*) FROM equipamentos").fetchone()[0] == before


def test_invalid_geometry_reports_reason_and_location(caop, app):
    act_as(app, "ana", ["1009"])
    bowtie = ("SRID=3763;MULTIPOLYGON(((-58000 9000,-57000 10000,-57000 9000,"
              "-58000 10000,-58000 9000)))")
    with pytest.raises(psycopg.Error, match="geometria inválida: Self-intersection") as info:
        app.execute("INSERT INTO ordenamento (municipio, codigo, geom) VALUES ('1009', '2', %s)",
                    (bowtie,))
    assert info.value.sqlstate == "SG002"
    assert "POINT(-57500 9500)" in info.value.diag.message_detail


def test_an_attribute_edit_stays_in_its_page_without_new_index_entries(caop, app, owner):
    for theme in get_registry():
        options = owner.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass",
                                (f"public.{theme.table}",)).fetchone()[0]
        assert "fillfactor=90" in (options or []), theme.id
    act_as(app, "ana", ["1009"])
    ids = [_insert(app, "1009", POINT_1009, f"equipamento {n}")[0] for n in range(300)]
    hot = ("SELECT n_tup_hot_upd FROM pg_stat_xact_user_tables "
           "WHERE relid = 'public.equipamentos'::regclass")
    before = app.execute(hot).fetchone()[0]
    # A row amid the new ones (its page filled by them), its name 200 characters longer.
    app.execute("UPDATE equipamentos SET nome = repeat('n', 200) WHERE id = %s", (ids[150],))
    assert app.execute(hot).fetchone()[0] == before + 1
    app.rollback()


def test_row_version_rejects_stale_writes_and_bumps(caop, app):
    act_as(app, "ana", ["1009"])
    feature_id, _ = _insert(app, "1009", POINT_1009)
    version = app.execute("UPDATE equipamentos SET nome = 'v2', row_version = 1 WHERE id = %s "
                          "RETURNING row_version", (feature_id,)).fetchone()[0]
    assert version == 2
    with pytest.raises(psycopg.Error, match="alterado por outra pessoa") as info:
        app.execute("UPDATE equipamentos SET nome = 'v3', row_version = 1 WHERE id = %s",
                    (feature_id,))
    assert info.value.sqlstate == "SG412"
    app.rollback()


def test_client_without_row_version_passes_and_bumps(caop, editor):
    feature_id, _ = _insert(editor, "1009", POINT_1009)
    editor.execute("UPDATE equipamentos SET nome = 'via QGIS' WHERE id = %s", (feature_id,))
    assert editor.execute("SELECT row_version FROM equipamentos WHERE id = %s",
                          (feature_id,)).fetchone()[0] == 2
    editor.rollback()


POINT_1009_MOVED = "SRID=3763;POINT(-57800 9000)"
ENTRY = ("SELECT row_id, db_user, app_user, row_version, old_values, new_values, "
         "ST_AsEWKT(old_geom), ST_AsEWKT(new_geom) FROM audit.change_log "
         "WHERE table_name = 'equipamentos' AND op = 'U' AND row_id = ANY(%s) AND txid = "
         "txid_current() ORDER BY id")


def test_a_statement_of_many_rows_is_audited_as_row_by_row(caop, app):
    """From 100 rows on an update's entries are written by another statement
    (audit.bulk_update_sql): the same changes, undone one row at a time, give mirror
    entries."""
    act_as(app, "ana", ["1009"])
    ids = [_insert(app, "1009", POINT_1009, f"e{n}")[0] for n in range(120)]
    app.execute("UPDATE equipamentos SET contacto = '244 000 000' WHERE id = ANY(%s)", (ids,))
    app.execute("UPDATE equipamentos SET nome = nome || ' (novo)', contacto = NULL, "
                "geom = CASE WHEN id %% 2 = 0 THEN %s::geometry ELSE geom END, "
                "morada = CASE WHEN id %% 3 = 0 THEN 'Rua A' END WHERE id = ANY(%s)",
                (POINT_1009_MOVED, ids))
    bulk = app.execute(ENTRY, (ids,)).fetchall()
    for feature in ids:
        app.execute("UPDATE equipamentos SET nome = replace(nome, ' (novo)', ''), "
                    "contacto = '244 000 000', geom = %s::geometry, morada = NULL "
                    "WHERE id = %s", (POINT_1009, feature))
    single = app.execute(ENTRY, (ids,)).fetchall()[len(bulk):]
    app.rollback()
    first, changed = bulk[:len(ids)], {entry[0]: entry for entry in bulk[len(ids):]}
    back = {entry[0]: entry for entry in single}
    assert len(changed) == len(back) == len(ids)
    assert all(entry[4] == {"contacto": None} for entry in first)
    for feature in ids:
        forward, undone = changed[feature], back[feature]
        assert forward[1:3] == undone[1:3] == ("sig_app", "ana")
        assert (forward[4], forward[5]) == (undone[5], undone[4])
        assert (forward[6], forward[7]) == (undone[7], undone[6])
        assert (forward[7] is not None) == (feature % 2 == 0)
        assert ("morada" in forward[5]) == (feature % 3 == 0)


def test_audit_records_actor_and_changed_values(caop, app, owner):
    act_as(app, "ana", ["1009"])
    feature_id, _ = _insert(app, "1009", POINT_1009, name="Antes")
    app.execute("UPDATE equipamentos SET nome = 'Depois' WHERE id = %s", (feature_id,))
    app.execute("UPDATE equipamentos SET nome = 'Depois' WHERE id = %s", (feature_id,))  # no-op
    app.execute("DELETE FROM equipamentos WHERE id = %s", (feature_id,))
    app.commit()
    rows = owner.execute(
        "SELECT op, db_user, app_user, old_values, new_values, new_geom IS NOT NULL "
        "FROM audit.change_log WHERE table_name = 'equipamentos' AND row_id = %s ORDER BY id",
        (feature_id,)).fetchall()
    assert [r[0] for r in rows] == ["I", "U", "D"]
    assert all(r[1] == "sig_app" and r[2] == "ana" for r in rows)
    assert rows[1][3] == {"nome": "Antes"} and rows[1][4] == {"nome": "Depois"}
    # A creation keeps no image of the row (the present row and the later entries hold it);
    # the deletion keeps the whole row, geometry included.
    assert rows[0][3:] == (None, None, False)
    assert rows[2][3]["nome"] == "Depois" and rows[2][4] is None


def test_audit_of_qgis_login_names_the_person(caop, editor, owner, editor_login):
    feature_id, _ = _insert(editor, "1009", POINT_1009)
    editor.commit()
    actor = owner.execute("SELECT db_user, app_user FROM audit.change_log WHERE row_id = %s "
                          "AND table_name = 'equipamentos'", (feature_id,)).fetchone()
    assert actor == (editor_login, None)
    created_by = owner.execute("SELECT created_by FROM equipamentos WHERE id = %s",
                               (feature_id,)).fetchone()[0]
    assert created_by == editor_login
    owner.execute("DELETE FROM equipamentos WHERE id = %s", (feature_id,))
    owner.commit()


@pytest.mark.parametrize("role", ["app", "editor", "reader", "owner"])
def test_audit_log_cannot_be_written_or_altered(caop, role, request):
    conn = request.getfixturevalue(role)
    for statement in ("INSERT INTO audit.change_log (table_name, row_id, op, db_user, db_role) "
                      "VALUES ('x', 1, 'I', 'x', 'x')",
                      "UPDATE audit.change_log SET app_user = 'x'",
                      "DELETE FROM audit.change_log",
                      "TRUNCATE audit.change_log"):
        if role == "owner" and statement.startswith("INSERT"):
            continue  # the owner owns the table; the append-only triggers still apply below
        with pytest.raises(psycopg.Error) as info:
            conn.execute(statement)
        assert info.value.sqlstate == "42501", statement
        conn.rollback()


def test_editable_municipios_follows_role_membership(editor):
    assert editor.execute("SELECT acl.editable_municipios()").fetchone()[0] == ["1009"]


def test_multi_row_writes_are_audited_row_by_row(caop, app, owner):
    act_as(app, "ana", ["1009"])
    ids = [r[0] for r in app.execute(
        "INSERT INTO equipamentos (municipio, tipo, nome, geom) "
        "SELECT '1009', 'cultura', 'Lote ' || n, ST_Translate(%s::geometry, n, n) "
        "FROM generate_series(1, 3) n RETURNING id", (POINT_1009,))]
    stored = {r[0]: (r[1], r[2]) for r in app.execute(
        "SELECT id, to_jsonb(e) - 'geom', ST_AsEWKT(geom) FROM equipamentos e "
        "WHERE id = ANY(%s)", (ids,))}
    app.execute("DELETE FROM equipamentos WHERE id = ANY(%s)", (ids,))
    app.commit()
    rows = owner.execute(
        "SELECT row_id, op, app_user, old_values, new_values, ST_AsEWKT(old_geom), "
        "ST_AsEWKT(new_geom) FROM audit.change_log WHERE table_name = 'equipamentos' "
        "AND row_id = ANY(%s) ORDER BY id", (ids,)).fetchall()
    assert [(r[0], r[1]) for r in rows] == [(i, "I") for i in ids] + [(i, "D") for i in ids]
    for row_id, op, app_user, old, new, old_geom, new_geom in rows:
        assert app_user == "ana"
        if op == "I":  # no image: the deletion below holds the whole row
            assert (old, new, old_geom, new_geom) == (None, None, None, None)
        else:
            assert (old, old_geom) == stored[row_id] and (new, new_geom) == (None, None)


def test_one_foreign_row_refuses_the_whole_statement(caop, app, owner):
    act_as(app, "ana", ["1009"])
    before = owner.execute("SELECT count(*) FROM equipamentos").fetchone()[0]
    with pytest.raises(errors.InsufficientPrivilege, match="município 1010"):
        app.execute("INSERT INTO equipamentos (municipio, tipo, nome, geom) "
                    "VALUES ('1009', 'cultura', 'a', %s), ('1010', 'cultura', 'b', %s)",
                    (POINT_1009, POINT_1010))
    app.rollback()
    assert owner.execute("SELECT count(*) FROM equipamentos").fetchone()[0] == before


def test_an_unknown_freguesia_is_refused_on_insert_and_update(caop, app):
    act_as(app, "ana", ["1009"])
    with pytest.raises(errors.ForeignKeyViolation, match="freguesia desconhecida: 999999"):
        app.execute("INSERT INTO equipamentos (municipio, freguesia, tipo, nome, geom) "
                    "VALUES ('1009', '999999', 'cultura', 'x', %s)", (POINT_1009,))
    app.rollback()
    act_as(app, "ana", ["1009"])
    feature_id, _ = _insert(app, "1009", POINT_1009)
    with pytest.raises(errors.ForeignKeyViolation, match="freguesia desconhecida: 999999"):
        app.execute("UPDATE equipamentos SET freguesia = '999999' WHERE id = %s", (feature_id,))
    app.rollback()


def test_an_unknown_municipality_is_refused(caop, owner):
    with pytest.raises(psycopg.Error, match="município desconhecido: 9999"):
        owner.execute("INSERT INTO equipamentos (municipio, tipo, nome, geom) "
                      "VALUES ('9999', 'cultura', 'x', %s)", (POINT_1009,))
    owner.rollback()


def test_a_boundary_a_feature_names_cannot_be_deleted_or_renumbered(caop, app, owner):
    freguesia = owner.execute("SELECT dicofre FROM freguesia WHERE municipio = '1009' "
                              "ORDER BY dicofre LIMIT 1").fetchone()[0]
    act_as(app, "ana", ["1009"])
    feature_id = app.execute(
        "INSERT INTO equipamentos (municipio, freguesia, tipo, nome, geom) "
        "VALUES ('1009', %s, 'cultura', 'x', %s) RETURNING id", (freguesia, POINT_1009)
    ).fetchone()[0]
    app.commit()
    try:
        for statement, key in (("DELETE FROM freguesia WHERE dicofre = %s", freguesia),
                               ("UPDATE freguesia SET dicofre = '999999' WHERE dicofre = %s",
                                freguesia)):
            with pytest.raises(errors.ForeignKeyViolation, match=f"freguesia {key} tem elementos"):
                owner.execute(statement, (key,))
            owner.rollback()
        owner.execute("UPDATE freguesia SET nome = nome WHERE dicofre = %s", (freguesia,))
        owner.rollback()  # a change that keeps the key passes
    finally:
        owner.execute("DELETE FROM equipamentos WHERE id = %s", (feature_id,))
        owner.commit()


def test_a_change_that_keeps_the_bounding_box_is_audited(caop, editor, owner):
    """The update audit compares whole rows: moving a polygon's inner vertex (same bounding
    box) is a change, recorded with both geometries, as the editor's own login."""
    square = ("SRID=3763;MULTIPOLYGON(((-57900 8900,-57700 8900,-57700 9100,-57900 9100,"
              "-57900 8900)))")
    dented = ("SRID=3763;MULTIPOLYGON(((-57900 8900,-57800 8950,-57700 8900,-57700 9100,"
              "-57900 9100,-57900 8900)))")
    code = get_registry().code_values("ordenamento", "codigo")[0]
    fid = editor.execute("INSERT INTO ordenamento (municipio, codigo, geom) "
                         "VALUES ('1009', %s, %s) RETURNING id", (code, square)).fetchone()[0]
    editor.execute("UPDATE ordenamento SET geom = %s WHERE id = %s", (dented, fid))
    editor.commit()
    try:
        rows = owner.execute(
            "SELECT op, ST_Equals(old_geom, %s::geometry), ST_Equals(new_geom, %s::geometry) "
            "FROM audit.change_log WHERE table_name = 'ordenamento' AND row_id = %s "
            "ORDER BY id", (square, dented, fid)).fetchall()
        assert rows == [("I", None, None), ("U", True, True)]
    finally:
        owner.execute("DELETE FROM ordenamento WHERE id = %s", (fid,))
        owner.commit()
