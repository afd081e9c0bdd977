"""Source fingerprints: a re-import leaves features whose source is unchanged alone, and never
lets a fingerprint hide a later edit, a restore or a change of the profile."""

from __future__ import annotations

import pandas as pd
import psycopg
import pyogrio
import pytest

from tests.conftest import act_as
from tests.importing.conftest import do_import, owner_connection, scalar, write
from tests.importing.test_pipeline import PROFILE, facilities, rows


def _first_import(tmp_path, clean, leiria_points, names="abc"):
    profile = tmp_path / "perfil.yml"
    profile.write_text(PROFILE)
    source = facilities(tmp_path / "v1.geojson", leiria_points[:len(names)], list(names))
    result = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert result.inserted == len(names)
    return source, profile


def _fingerprints(fonte: str) -> int:
    return scalar("SELECT count(*) FROM importing_fingerprint f JOIN equipamentos t "
                  "ON f.table_name = 'equipamentos' AND f.row_id = t.id WHERE t.fonte = %s",
                  fonte)


def test_every_imported_feature_gets_a_fingerprint_and_none_for_the_quarantine(
        tmp_path, clean, leiria_points):
    source, profile = _first_import(tmp_path, clean, leiria_points)
    assert _fingerprints(clean) == 3
    frame = pyogrio.read_dataframe(source)
    frame.loc[frame["ref"] == "c", "tipo"] = "laser"  # not in the code list
    write(frame, source, driver="GeoJSON")
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert (again.unchanged, again.quarantined, again.updated) == (2, 1, 0)
    assert again.balanced


def test_an_edit_since_the_import_is_compared_in_full(tmp_path, clean, leiria_points, app):
    source, profile = _first_import(tmp_path, clean, leiria_points)
    act_as(app, "ana", ["1009"])
    app.execute("UPDATE equipamentos SET nome = 'Editado' WHERE fonte = %s AND fonte_id = 'a'",
                (clean,))
    app.commit()
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert (again.updated, again.unchanged) == (1, 2)
    assert {r[0]: r[1] for r in rows(clean)}["a"] == "Posto a"  # the source wins, as before


def test_a_restored_feature_is_compared_in_full(tmp_path, clean, leiria_points, app):
    source, profile = _first_import(tmp_path, clean, leiria_points)
    act_as(app, "ana", ["1009"])
    feature = app.execute("UPDATE equipamentos SET nome = 'Editado' WHERE fonte = %s AND "
                          "fonte_id = 'a' RETURNING id", (clean,)).fetchone()[0]
    app.execute("DELETE FROM equipamentos WHERE id = %s", (feature,))
    app.execute("SELECT acl.restore_feature('equipamentos', %s)", (feature,))
    app.commit()
    # Restored as deleted: version 1 again, as the fingerprint recorded, but not the source.
    assert {r[0]: (r[1], r[3]) for r in rows(clean)}["a"] == ("Editado", 1)
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert (again.updated, again.unchanged) == (1, 2)
    assert {r[0]: r[1] for r in rows(clean)}["a"] == "Posto a"


def test_a_changed_profile_compares_every_feature_in_full(tmp_path, clean, leiria_points):
    source, profile = _first_import(tmp_path, clean, leiria_points)
    profile.write_text(PROFILE.replace("from: designacao", "from: nome"))
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert (again.updated, again.unchanged) == (3, 0)
    assert sorted(r[1] for r in rows(clean)) == ["a", "b", "c"]


def test_a_key_left_alone_that_the_source_now_repeats_meets_the_duplicate_rule(
        tmp_path, clean, leiria_points):
    source, profile = _first_import(tmp_path, clean, leiria_points)
    frame = pyogrio.read_dataframe(source)
    extra = frame[frame["ref"] == "a"].copy()
    extra["geometry"] = [leiria_points[5]]
    write(pd.concat([frame, extra], ignore_index=True), source, driver="GeoJSON")
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert (again.read, again.quarantined, again.unchanged) == (4, 2, 2)
    reasons = dict(again.reasons)
    assert reasons["chave de origem repetida na fonte: a"] == 2


def test_keys_with_line_breaks_are_still_recognised_unchanged(tmp_path, clean, leiria_points):
    profile = tmp_path / "perfil.yml"
    profile.write_text(PROFILE)
    keys = ["a\nb", "a", "b"]  # joined by line breaks, these would read as four keys
    source = facilities(tmp_path / "v1.geojson", leiria_points[:3], keys)
    assert do_import([source], "equipamentos", profile=profile, fonte=clean).inserted == 3
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert (again.unchanged, again.updated, again.inserted) == (3, 0, 0)


def test_a_feature_that_moves_to_another_key_is_compared_in_full(tmp_path, clean,
                                                                 leiria_points):
    """Keyed by position (no key fields): two features that swap places keep their hashes'
    content but not their keys, so neither may be left alone."""
    profile = tmp_path / "perfil.yml"
    profile.write_text(PROFILE.replace("key: {fields: [ref]}\n", ""))
    source = facilities(tmp_path / "v1.geojson", leiria_points[:3], list("abc"))
    assert do_import([source], "equipamentos", profile=profile, fonte=clean).inserted == 3
    first = {r[0]: r[1] for r in rows(clean)}
    points = leiria_points[:3]
    facilities(source, [points[1], points[0], points[2]], list("bac"))
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert (again.updated, again.unchanged) == (2, 1)
    keys = sorted(first)
    assert {r[0]: r[1] for r in rows(clean)} == {
        keys[0]: first[keys[1]], keys[1]: first[keys[0]], keys[2]: first[keys[2]]}


def test_a_second_import_in_the_same_process_finds_the_same_fingerprints(
        tmp_path, clean, leiria_points):
    """The key of the hashes holds the source CRS's WKT, which must not depend on what the
    process did before (PROJ's search path is set before any CRS is read)."""
    source, profile = _first_import(tmp_path, clean, leiria_points)
    stored = _hashes(clean)
    again = do_import([source], "equipamentos", profile=profile, fonte=clean)
    assert again.unchanged == 3
    assert _hashes(clean) == stored


def _hashes(fonte: str) -> list[int]:
    return scalar("SELECT array_agg(f.hash ORDER BY t.fonte_id) FROM importing_fingerprint f "
                  "JOIN equipamentos t ON f.table_name = 'equipamentos' AND f.row_id = t.id "
                  "WHERE t.fonte = %s", fonte)


@pytest.mark.parametrize("role", ["app", "editor", "reader"])
def test_no_login_may_forge_a_fingerprint(tmp_path, clean, leiria_points, role, request):
    """A forged fingerprint could make the next import leave a hand edit in place of the
    source: only sig_importer writes them."""
    _first_import(tmp_path, clean, leiria_points)
    conn = request.getfixturevalue(role)
    for statement in ("UPDATE importing_fingerprint SET hash = 0",
                      "INSERT INTO importing_fingerprint VALUES ('equipamentos', 1, 1, now(), 0)",
                      "DELETE FROM importing_fingerprint"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        conn.rollback()
    assert _fingerprints(clean) == 3


def test_a_key_in_two_municipalities_is_left_alone_only_where_it_is_unchanged(
        tmp_path, clean, leiria_points):
    """One fonte, key 'k' imported for Leiria and for Marinha Grande. A file read for both
    that holds Leiria's feature as it was leaves it alone; one that holds Marinha Grande's,
    moved, updates that row and no other."""
    from tests.importing.conftest import inside

    profile = tmp_path / "perfil.yml"
    profile.write_text(PROFILE)
    marinha = inside("1010", 2)
    leiria = facilities(tmp_path / "leiria.geojson", leiria_points[:1], ["k"])
    assert do_import([leiria], "equipamentos", profile=profile, fonte=clean).inserted == 1
    first = facilities(tmp_path / "marinha.geojson", marinha[:1], ["k"])
    assert do_import([first], "equipamentos", municipios=("1010",), profile=profile,
                     fonte=clean).inserted == 1
    stamps = {r[0]: r[1] for r in _stamps(clean)}
    both = ("1009", "1010")
    again = do_import([leiria], "equipamentos", municipios=both, profile=profile, fonte=clean)
    assert (again.unchanged, again.updated, again.inserted) == (1, 0, 0)
    moved = facilities(tmp_path / "moved.geojson", marinha[1:2], ["k"])
    last = do_import([moved], "equipamentos", municipios=both, profile=profile, fonte=clean)
    assert (last.unchanged, last.updated, last.inserted) == (0, 1, 0)
    after = {r[0]: r[1] for r in _stamps(clean)}
    assert after["1009"] == stamps["1009"] and after["1010"] == stamps["1010"] + 1
    placed = scalar("SELECT ST_Equals(geom, ST_GeomFromText(%s, 3763)) FROM equipamentos "
                    "WHERE fonte = %s AND municipio = '1010'", marinha[1].wkt, clean)
    assert placed


def _stamps(fonte: str) -> list[tuple[str, int]]:
    with owner_connection() as conn:
        return conn.execute("SELECT municipio, row_version FROM equipamentos WHERE fonte = %s",
                            (fonte,)).fetchall()
