"""Set-based validation and merge of a staged run, in SQL.

Validation mirrors the database rules (t10_geom_*: present, valid, inside the municipality with
its tolerance) so that the rows handed to the theme's triggers pass; those that would not
are quarantined with every reason. The merge inserts new keys, updates changed ones, leaves
unchanged rows untouched (their row_version too) and, with `--sync`, deletes keys no longer in
the source. Every statement runs in the run's single transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from sig.importing import fingerprint
from sig.registry import Theme

DIMENSION = {"point": 0, "linestring": 1, "polygon": 2}
COLLECTION_TYPE = {"point": 1, "linestring": 2, "polygon": 3}
LABEL = {"point": "pontos", "linestring": "linhas", "polygon": "polígonos"}


@dataclass(frozen=True)
class Territory:
    """Boundaries and freguesias of the declared municipalities."""

    municipios: tuple[str, ...]
    freguesias: dict[str, list[str]]
    tolerance: dict[str, float]


def load_territory(cur, municipios: tuple[str, ...]) -> Territory:
    cur.execute("SELECT dico, tolerancia_m FROM municipio WHERE dico = ANY(%s)",
                (list(municipios),))
    tolerance = {str(d): float(t) for d, t in cur.fetchall()}
    cur.execute("SELECT municipio, dicofre FROM freguesia WHERE municipio = ANY(%s) "
                "ORDER BY dicofre", (list(municipios),))
    freguesias: dict[str, list[str]] = {}
    for dico, dicofre in cur.fetchall():
        freguesias.setdefault(str(dico), []).append(str(dicofre))
    return Territory(municipios, freguesias, tolerance)


def normalize_geometries(cur, theme: Theme) -> None:
    """imp_geo: geometries in PT-TM06 of the theme's type, repaired when invalid."""
    family = theme.geometry.family
    dim, ctype = DIMENSION[family], COLLECTION_TYPE[family]
    label = sql.Literal(f"o tema {theme.id} é de {LABEL[family]}")
    cur.execute(sql.SQL(
        "CREATE TEMP TABLE imp_geo ON COMMIT DROP AS "
        "SELECT seq, CASE WHEN kind = 'GEOMETRYCOLLECTION' "
        "  THEN ST_CollectionExtract(g, {ct}) ELSE g END AS g, kind, ST_IsEmpty(g) AS empty, "
        "NULL::text AS repair, NULL::text AS problem, false AS wrong_type "
        "FROM (SELECT seq, ST_SetSRID(geom, 3763) AS g, GeometryType(geom) AS kind "
        "      FROM imp_stg WHERE geom IS NOT NULL) s"
    ).format(ct=sql.Literal(ctype)))
    # A collection left empty once the theme's parts are taken out is of another type.
    cur.execute(sql.SQL(
        "UPDATE imp_geo SET wrong_type = NOT empty, problem = CASE WHEN empty "
        "THEN 'geometria vazia' ELSE format('geometria do tipo %s: ', kind) || {label} END "
        "WHERE ST_IsEmpty(g) OR ST_Dimension(g) <> {dim}").format(
            label=label, dim=sql.Literal(dim)))
    _repair(cur, family, ctype)
    _single_or_multi(cur, theme)


def _repair(cur, family: str, ctype: int) -> None:
    method = ", 'method=structure'" if family == "polygon" else ""
    cur.execute(sql.SQL(
        "UPDATE imp_geo SET repair = ST_IsValidReason(g), "
        "g = ST_CollectionExtract(ST_MakeValid(g{method}), {ct}) "
        "WHERE problem IS NULL AND NOT ST_IsValid(g)").format(
            method=sql.SQL(method), ct=sql.Literal(ctype)))
    cur.execute(
        "UPDATE imp_geo SET problem = 'geometria inválida que não foi possível reparar: ' "
        "|| repair WHERE repair IS NOT NULL AND (ST_IsEmpty(g) OR NOT ST_IsValid(g))")


def _single_or_multi(cur, theme: Theme) -> None:
    if theme.geometry.is_multi:
        cur.execute("UPDATE imp_geo SET g = ST_Multi(g) "
                    "WHERE problem IS NULL AND GeometryType(g) NOT LIKE 'MULTI%%'")
        return
    cur.execute("UPDATE imp_geo SET g = ST_GeometryN(g, 1) WHERE problem IS NULL "
                "AND GeometryType(g) LIKE 'MULTI%%' AND ST_NumGeometries(g) = 1")
    cur.execute(sql.SQL(
        "UPDATE imp_geo SET problem = format('geometria com %s partes; ', ST_NumGeometries(g)) "
        "|| {msg} WHERE problem IS NULL AND GeometryType(g) LIKE 'MULTI%%'"
    ).format(msg=sql.Literal(f"o tema {theme.id} só aceita uma")))


def _boundary(dico: str, column: str) -> sql.Composed:
    return sql.SQL("(SELECT {} FROM municipio WHERE dico = {})").format(
        sql.Identifier(column), sql.Literal(dico))


def municipio_case(territory: Territory) -> sql.Composed:
    """The declared municipality covering each geometry: strictly first, then within the
    tolerance the database rules use (municipio.geom_limite)."""
    whens = []
    if len(territory.municipios) > 1:
        whens += [sql.SQL("WHEN ST_Covers({}, g) THEN {}").format(
            _boundary(d, "geom"), sql.Literal(d)) for d in territory.municipios]
    whens += [sql.SQL("WHEN ST_Covers({}, g) THEN {}").format(
        _boundary(d, "geom_limite"), sql.Literal(d)) for d in territory.municipios]
    return sql.SQL("CASE {} END").format(sql.SQL(" ").join(whens))


def freguesia_case(territory: Territory) -> sql.Composable:
    branches = []
    for dico, codes in territory.freguesias.items():
        inner = [sql.SQL("WHEN ST_Intersects((SELECT geom FROM freguesia WHERE dicofre = {}), "
                         "pos) THEN {}").format(sql.Literal(c), sql.Literal(c)) for c in codes]
        branches.append(sql.SQL("WHEN {} THEN CASE {} END").format(
            sql.Literal(dico), sql.SQL(" ").join(inner)))
    if not branches:
        return sql.SQL("NULL::text")
    return sql.SQL("CASE municipio {} END").format(sql.SQL(" ").join(branches))


def locate(cur, territory: Territory) -> None:
    """imp_res: every staged feature with its municipality, freguesia and reasons."""
    cur.execute(sql.SQL(
        "CREATE TEMP TABLE imp_loc ON COMMIT DROP AS "
        "SELECT seq, g, repair, problem, wrong_type, municipio, {fcase}::text AS freguesia, "
        "false AS approx FROM (SELECT *, {mcase}::char(4) AS municipio, "
        "CASE WHEN GeometryType(g) = 'POINT' THEN g ELSE ST_PointOnSurface(g) END AS pos "
        "FROM imp_geo WHERE problem IS NULL) x").format(
            mcase=municipio_case(territory), fcase=freguesia_case(territory)))
    cur.execute(
        "UPDATE imp_loc c SET approx = true, freguesia = (SELECT f.dicofre FROM freguesia f "
        "WHERE f.municipio = c.municipio ORDER BY f.geom <-> c.g LIMIT 1) "
        "WHERE c.municipio IS NOT NULL AND c.freguesia IS NULL "
        "AND EXISTS (SELECT 1 FROM freguesia f WHERE f.municipio = c.municipio)")
    outside = _outside_message(territory)
    cur.execute(sql.SQL(
        "CREATE TEMP TABLE imp_res ON COMMIT DROP AS "
        "SELECT s.seq, s.layer, s.fonte_id, coalesce(l.g, g.g) AS g, l.municipio, l.freguesia, "
        "coalesce(l.repair, g.repair) AS repair, coalesce(l.approx, false) AS approx, "
        "coalesce(g.wrong_type, false) AS wrong_type, "
        "CASE WHEN s.problems IS NULL AND g.problem IS NULL AND l.municipio IS NOT NULL "
        "          AND d.fonte_id IS NULL THEN '[]'::jsonb "  # the common case, no allocations
        "ELSE coalesce(s.problems, '[]'::jsonb) "
        "|| CASE WHEN g.problem IS NOT NULL THEN jsonb_build_array(g.problem) "
        "        WHEN l.seq IS NOT NULL AND l.municipio IS NULL THEN jsonb_build_array({outside}) "
        "        ELSE '[]'::jsonb END "
        "|| CASE WHEN d.fonte_id IS NOT NULL THEN jsonb_build_array("
        "        'chave de origem repetida na fonte: ' || s.fonte_id) ELSE '[]'::jsonb END "
        "END AS reasons "
        "FROM imp_stg s LEFT JOIN imp_geo g USING (seq) LEFT JOIN imp_loc l USING (seq) "
        "LEFT JOIN imp_dup d ON d.fonte_id = s.fonte_id "
        "WHERE NOT s.skipped"
    ).format(outside=outside))
    cur.execute("CREATE INDEX ON imp_res (seq)")
    cur.execute("ANALYZE imp_res")


def _outside_message(territory: Territory) -> sql.Composable:
    if len(territory.municipios) == 1:
        dico = territory.municipios[0]
        tolerance = territory.tolerance.get(dico, 0)
        return sql.Literal(f"fora do município {dico} (mesmo com a tolerância de "
                           f"{tolerance:g} m do limite)")
    return sql.Literal(f"fora dos municípios declarados ({', '.join(territory.municipios)})")


def repeated_keys(cur) -> bool:
    """The keys staged more than once (imp_dup, in one pass over the staged keys); returns
    whether one of them was left alone (unchanged fingerprint)."""
    cur.execute("DROP TABLE IF EXISTS imp_dup")
    cur.execute("CREATE TEMP TABLE imp_dup ON COMMIT DROP AS SELECT fonte_id, "
                "bool_or(skipped) AS skipped FROM imp_stg WHERE fonte_id IS NOT NULL "
                "GROUP BY fonte_id HAVING count(*) > 1")
    cur.execute("SELECT EXISTS (SELECT 1 FROM imp_dup WHERE skipped)")
    return bool(cur.fetchone()[0])


def counts(cur) -> dict[str, int]:
    """Features read (those left alone included), quarantined, of the wrong type, repaired."""
    cur.execute("SELECT count(*), count(*) FILTER (WHERE reasons <> '[]'), "
                "count(*) FILTER (WHERE wrong_type), "
                "count(*) FILTER (WHERE repair IS NOT NULL AND reasons = '[]') FROM imp_res")
    read, quarantined, wrong_type, repaired = cur.fetchone()
    cur.execute("SELECT count(*) FROM imp_stg WHERE skipped")
    skipped = int(cur.fetchone()[0])
    return {"read": read + skipped, "quarantined": quarantined, "wrong_type": wrong_type,
            "repaired": repaired, "skipped": skipped}


def layer_counts(cur) -> dict[int, dict[str, int]]:
    """Per layer: features read, quarantined and repaired (each table grouped on its own:
    the features left alone are not in imp_res)."""
    cur.execute("SELECT s.layer, s.n, coalesce(r.quarantined, 0), coalesce(r.repaired, 0) "
                "FROM (SELECT layer, count(*) AS n FROM imp_stg GROUP BY layer) s "
                "LEFT JOIN (SELECT layer, count(*) FILTER (WHERE reasons <> '[]') AS quarantined, "
                "count(*) FILTER (WHERE repair IS NOT NULL) AS repaired "
                "FROM imp_res GROUP BY layer) r USING (layer)")
    return {int(layer): {"lidos": read, "em_quarentena": quarantined, "reparados": repaired}
            for layer, read, quarantined, repaired in cur.fetchall()}


def top_reasons(cur, limit: int = 12) -> list[tuple[str, int]]:
    cur.execute("SELECT reason, count(*) FROM imp_res, jsonb_array_elements_text(reasons) "
                "AS reason WHERE reasons <> '[]' GROUP BY reason ORDER BY count(*) DESC, reason "
                "LIMIT %s", (limit,))
    return [(str(r), int(n)) for r, n in cur.fetchall()]


# Merge --------------------------------------------------------------------------------------
def _attribute_names(theme: Theme) -> list[sql.Identifier]:
    return [sql.Identifier(a.name) for a in theme.attributes]


def _recorded(statement: sql.Composable, table: str, new_rows: bool) -> sql.Composed:
    """`statement` (an INSERT or UPDATE of the theme returning its rows' id, stamp and key)
    with the fingerprint of every row it writes stored in the same statement."""
    return sql.SQL("WITH written AS ({statement} RETURNING t.id, t.row_version, t.updated_at, "
                   "t.fonte_id) {store}").format(statement=statement, store=fingerprint.storing(
                       sql.SQL("SELECT {table}, w.id, w.row_version, w.updated_at, s.src_hash "
                               "FROM written w JOIN imp_stg s ON s.fonte_id = w.fonte_id "
                               "AND NOT s.skipped").format(table=sql.Literal(table)), new_rows))


def merge(cur, theme: Theme, fonte: str, run_id: int, sync: bool,
          municipios: tuple[str, ...]) -> dict[str, int]:
    """Insert, update and (with sync) delete, storing the fingerprint of every row written
    or found the same; returns the counts."""
    table = sql.Identifier("public", theme.table)
    names = _attribute_names(theme)
    target_values = sql.SQL(", ").join(sql.SQL("t.{}").format(n) for n in names)
    staged_values = sql.SQL(", ").join(sql.SQL("s.{}").format(n) for n in names)
    cur.execute(sql.SQL(
        "CREATE TEMP TABLE imp_match ON COMMIT DROP AS "
        "SELECT r.seq, t.id AS target, ROW(t.freguesia, t.geom, {tv}) IS NOT DISTINCT FROM "
        "ROW(r.freguesia, r.g, {sv}) AS same "
        "FROM imp_res r JOIN imp_stg s USING (seq) JOIN {table} t ON t.municipio = r.municipio "
        "AND t.fonte = {fonte} AND t.fonte_id = r.fonte_id WHERE r.reasons = '[]'").format(
            tv=target_values, sv=staged_values, table=table, fonte=sql.Literal(fonte)))
    cur.execute("ANALYZE imp_match")
    assignments = sql.SQL(", ").join(sql.SQL("{} = s.{}").format(n, n) for n in names)
    cur.execute(_recorded(sql.SQL(
        "UPDATE {table} t SET freguesia = r.freguesia, geom = r.g, import_run = {run}, {assign} "
        "FROM imp_match m JOIN imp_res r USING (seq) JOIN imp_stg s USING (seq) "
        "WHERE t.id = m.target AND NOT m.same").format(
            table=table, run=sql.Literal(run_id), assign=assignments), theme.table, False))
    updated = cur.rowcount
    cur.execute(_recorded(sql.SQL(
        "INSERT INTO {table} AS t (municipio, freguesia, geom, fonte, fonte_id, import_run, "
        "{cols}) SELECT r.municipio, r.freguesia, r.g, {fonte}, r.fonte_id, {run}, {sv} "
        "FROM imp_res r JOIN imp_stg s USING (seq) WHERE r.reasons = '[]' "
        "AND NOT EXISTS (SELECT 1 FROM imp_match m WHERE m.seq = r.seq) ORDER BY r.seq").format(
            table=table, cols=sql.SQL(", ").join(names), fonte=sql.Literal(fonte),
            run=sql.Literal(run_id), sv=staged_values), theme.table, True))
    inserted = cur.rowcount
    unchanged = _confirm_same(cur, table, theme.table)
    deleted = _sync(cur, table, fonte, municipios) if sync else 0
    return {"inserted": inserted, "updated": updated, "unchanged": unchanged, "deleted": deleted}


def _confirm_same(cur, table: sql.Identifier, name: str) -> int:
    """Fingerprints for the rows found the same as the source; returns how many."""
    cur.execute(fingerprint.storing(sql.SQL(
        "SELECT {name}, t.id, t.row_version, t.updated_at, s.src_hash FROM imp_match m "
        "JOIN {table} t ON t.id = m.target JOIN imp_stg s USING (seq) WHERE m.same").format(
            name=sql.Literal(name), table=table)))
    return cur.rowcount


def _sync(cur, table: sql.Identifier, fonte: str, municipios: tuple[str, ...]) -> int:
    """Delete this source's features whose key is no longer in it (quarantined keys stay)."""
    cur.execute(sql.SQL(
        "DELETE FROM {table} t WHERE t.municipio = ANY({m}) AND t.fonte = {fonte} "
        "AND t.fonte_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM imp_stg s WHERE s.fonte_id = t.fonte_id)").format(
            table=table, m=sql.Literal(list(municipios)), fonte=sql.Literal(fonte)))
    return cur.rowcount


# Transfer of the run's own records ----------------------------------------------------------
QUARANTINE_OUT = (
    "COPY (SELECT {run}, r.seq, l.name, s.fid, s.fonte_id, r.reasons, s.attrs, "
    "ST_AsBinary(coalesce(s.geom_src, s.geom)), ST_SetSRID(s.geom, 3763) "
    "FROM imp_res r JOIN imp_stg s USING (seq) JOIN imp_layers l ON l.idx = r.layer "
    "WHERE r.reasons <> '[]' ORDER BY r.seq) TO STDOUT")
QUARANTINE_IN = ("COPY importing_quarantine (run_id, seq, layer, fid, fonte_id, reasons, "
                 "attributes, geom_original, geom) FROM STDIN")
NOTES_OUT = (
    "COPY (SELECT {run}, l.name, s.fid, s.fonte_id, n.message FROM imp_stg s "
    "JOIN imp_layers l ON l.idx = s.layer, jsonb_array_elements_text(s.notes) AS n(message) "
    "WHERE s.notes IS NOT NULL "
    "UNION ALL SELECT {run}, l.name, s.fid, s.fonte_id, "
    "'geometria inválida reparada (' || r.repair || ')' FROM imp_res r JOIN imp_stg s USING (seq) "
    "JOIN imp_layers l ON l.idx = r.layer WHERE r.repair IS NOT NULL "
    "UNION ALL SELECT {run}, l.name, s.fid, s.fonte_id, 'freguesia ' || r.freguesia || "
    "' atribuída por proximidade (fora das freguesias da CAOP carregada)' "
    "FROM imp_res r JOIN imp_stg s USING (seq) JOIN imp_layers l ON l.idx = r.layer "
    "WHERE r.approx) TO STDOUT")
NOTES_IN = "COPY importing_note (run_id, layer, fid, fonte_id, message) FROM STDIN"


def transfer(source_cur, target_cur, out_sql: str, in_sql: str, run_id: int) -> None:
    """Stream rows from the run's transaction into the bookkeeping connection (COPY)."""
    statement = sql.SQL(out_sql).format(run=sql.Literal(run_id))
    with source_cur.copy(statement) as out, target_cur.copy(in_sql) as into:
        for data in out:
            into.write(data)
