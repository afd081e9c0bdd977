"""`sig backup` and `sig restore`: fill, back up, wipe, restore, and compare exactly."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from sig.conf import BASE_DIR, get_settings, with_database
from sig.ops.backup import TABLES_SQL
from tests.conftest import act_as, shared

SIG = str(BASE_DIR / ".venv" / "bin" / "sig")


def _scratch() -> str:
    return f"{get_settings().db_name}_copia"


def sig(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The real `sig` command against the scratch database."""
    env = os.environ | {"SIG_DB_NAME": _scratch()}
    result = subprocess.run([SIG, *args], env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        pytest.fail(f"sig {' '.join(args)} falhou:\n{result.stdout}\n{result.stderr}")
    return result


def _connect(role: str) -> psycopg.Connection:
    return psycopg.connect(with_database(get_settings().url_for(role), _scratch()),
                           connect_timeout=5)


def fingerprint() -> dict[str, object]:
    """Every table's count and content hash, sequences, rules and grants of the scratch DB."""
    result: dict[str, object] = {}
    with _connect("owner") as conn:
        for schema, table in conn.execute(TABLES_SQL).fetchall():
            if table == "ops_ratelimit":
                continue
            query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "
                            "ORDER BY t::text), '')) FROM {}.{} t").format(
                sql.Identifier(schema), sql.Identifier(table))
            result[f"{schema}.{table}"] = conn.execute(query).fetchone()
        result["sequences"] = conn.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2"
        ).fetchall()
        result["rules"] = conn.execute(
            "SELECT (SELECT count(*) FROM pg_policy), "
            "(SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal), "
            "(SELECT count(*) FROM pg_class WHERE relforcerowsecurity)").fetchone()
        result["grants"] = conn.execute(
            "SELECT grantee, table_schema, table_name, privilege_type "
            "FROM information_schema.role_table_grants "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3, 4"
        ).fetchall()
    return result


def _edit_as_app() -> None:
    """Web-style edits as sig_app: updates (row versions), an insert and a delete."""
    with _connect("app") as conn:
        act_as(conn, "ana.leiria", ["1009"])
        ids = [r[0] for r in conn.execute("SELECT id FROM moradas WHERE municipio = '1009' "
                                          "ORDER BY id LIMIT 3")]
        conn.execute("UPDATE moradas SET numero = numero || 'A' WHERE id = ANY(%s)", (ids,))
        conn.execute("UPDATE moradas SET localidade = 'Marrazes' WHERE id = %s", (ids[0],))
        conn.execute("INSERT INTO moradas (geom, arruamento, numero, municipio) "
                     "SELECT geom, 'Rua da Cópia', '7', municipio FROM moradas WHERE id = %s",
                     (ids[1],))
        conn.execute("DELETE FROM moradas WHERE id = %s", (ids[2],))
        conn.commit()


@pytest.fixture(scope="module")
def filled() -> Iterator[dict[str, object]]:
    sig("drop-db", "--yes", _scratch())
    sig("bootstrap-db")
    sig("migrate")
    sig("load-caop", str(shared("caop")))
    sig("demo", "--scale", "0.02", "--seed", "7")
    _edit_as_app()
    yield fingerprint()
    sig("drop-db", "--yes", _scratch())


@pytest.fixture(scope="module")
def dump(filled, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("copias")
    out = sig("backup", "--output", str(folder))
    assert "cópia feita" in out.stdout and "a copiar public.moradas" in out.stdout
    assert not list(folder.glob("*.partial"))
    (path,) = folder.glob("*.dump")
    return path


def _wipe() -> None:
    sig("drop-db", "--yes", _scratch())
    sig("bootstrap-db")


def test_fill_backup_wipe_restore_gives_the_same_database(filled, dump):
    with _connect("owner") as conn:
        audit_rows = conn.execute("SELECT count(*) FROM audit.change_log").fetchone()[0]
        top_version = conn.execute("SELECT max(row_version) FROM moradas").fetchone()[0]
    assert audit_rows >= 5 and top_version == 3, "the fill must leave history and versions"
    manifest = json.loads(Path(f"{dump}.json").read_text())
    assert manifest["tables"]["audit.change_log"] == audit_rows

    _wipe()
    out = sig("restore", str(dump))
    assert "verificado com o manifesto" in out.stdout

    restored = fingerprint()
    assert restored["audit.change_log"] == filled["audit.change_log"]
    assert restored["public.moradas"] == filled["public.moradas"]
    assert restored == filled


def test_rules_work_after_a_restore(filled):
    with _connect("app") as conn:
        act_as(conn, "ana.leiria", ["1009"])
        row = conn.execute("SELECT id, row_version FROM moradas WHERE municipio = '1009' "
                           "AND row_version = 3").fetchone()
        last_audit = conn.execute("SELECT max(id) FROM audit.change_log").fetchone()[0]
        conn.execute("UPDATE moradas SET numero = '99' WHERE id = %s", (row[0],))
        assert conn.execute("SELECT row_version FROM moradas WHERE id = %s",
                            (row[0],)).fetchone()[0] == 4
        audit = conn.execute("SELECT id, app_user, op FROM audit.change_log WHERE id > %s",
                             (last_audit,)).fetchall()
        assert audit == [(last_audit + 1, "ana.leiria", "U")]
        other = conn.execute("SELECT id FROM moradas WHERE municipio = '1010' LIMIT 1").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="1010"):
            conn.execute("UPDATE moradas SET numero = '1' WHERE id = %s", other)
        conn.rollback()


def test_restore_refuses_a_database_that_is_not_empty(filled, dump):
    before = fingerprint()
    result = sig("restore", str(dump), check=False)
    assert result.returncode != 0
    assert "não está vazia" in result.stderr and "sig bootstrap-db" in result.stderr
    assert fingerprint() == before


def test_restore_names_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "notas.dump"
    junk.write_text("isto não é uma cópia")
    result = sig("restore", str(junk), check=False)
    assert result.returncode != 0
    assert "notas.dump não é uma cópia do pg_dump" in result.stderr


def test_keep_prunes_older_backups(filled, tmp_path):
    name = f"sig-{_scratch()}-20200101-000000.dump"
    (tmp_path / name).write_bytes(b"velha")
    (tmp_path / f"{name}.json").write_text("{}")
    out = sig("backup", "--output", str(tmp_path), "--keep", "1")
    assert f"removida cópia antiga: {name}" in out.stdout
    assert len(list(tmp_path.glob("*.dump"))) == 1 and len(list(tmp_path.glob("*.json"))) == 1


def test_a_failed_restore_leaves_the_database_as_it_was(filled, dump):
    _wipe()
    with _connect("owner") as conn:
        defaults = conn.execute("SELECT defaclacl::text FROM pg_default_acl ORDER BY 1").fetchall()
        # A sequence named like an index of the archive: the restore fails at its very end.
        conn.execute("CREATE SEQUENCE public.moradas_municipio_idx")
        conn.commit()
    result = sig("restore", str(dump), check=False)
    assert result.returncode != 0
    assert "restauro anulado, a base de dados ficou como estava" in result.stderr
    assert "moradas_municipio_idx" in result.stderr
    with _connect("owner") as conn:
        assert conn.execute(TABLES_SQL).fetchall() == []
        assert conn.execute("SELECT defaclacl::text FROM pg_default_acl ORDER BY 1"
                            ).fetchall() == defaults
        conn.execute("DROP SEQUENCE public.moradas_municipio_idx")
        conn.commit()
    sig("restore", str(dump))
    assert fingerprint() == filled
