"""Demo data: every theme filled inside each municipality, deterministic, replaceable."""

from __future__ import annotations

from sig.demo import generate
from sig.registry import get_registry


def test_every_theme_has_features_in_every_municipality(demo, owner):
    for theme in get_registry():
        per = dict(owner.execute(f"SELECT municipio, count(*) FROM {theme.table} "
                                 "WHERE fonte = 'demo' GROUP BY 1").fetchall())
        assert len(per) == 10 and min(per.values()) > 0, theme.id


def test_demo_features_satisfy_the_database_rules(demo, owner):
    for theme in get_registry():
        bad = owner.execute(
            f"SELECT count(*) FROM {theme.table} t JOIN municipio m ON m.dico = t.municipio "
            "WHERE t.fonte = 'demo' AND (NOT ST_IsValid(t.geom) OR NOT ST_Covers(m.geom, t.geom)"
            " OR t.freguesia IS NULL AND GeometryType(t.geom) LIKE '%POINT')").fetchone()[0]
        assert bad == 0, theme.id


def test_demo_is_deterministic_and_replaces_itself(demo, owner):
    def snapshot():
        return owner.execute("SELECT count(*), sum(ST_X(geom)) FROM iluminacao_publica "
                             "WHERE fonte = 'demo'").fetchone()

    before = snapshot()
    counts = generate(scale=0.2, progress=lambda _: None)
    owner.commit()
    assert snapshot() == before
    assert counts == demo


def test_demo_load_leaves_no_audit_rows_and_triggers_enabled(demo, owner):
    disabled = owner.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                             "AND tgenabled = 'D'").fetchone()[0]
    assert disabled == 0
    for theme in get_registry():
        audited = owner.execute(
            f"SELECT count(*) FROM audit.change_log c JOIN {theme.table} t ON t.id = c.row_id "
            "WHERE c.table_name = %s AND t.fonte = 'demo'", (theme.table,)).fetchone()[0]
        assert audited == 0, theme.id
