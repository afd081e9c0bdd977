"""SQL for features: PostGIS writes the GeoJSON, transforms with integer SRIDs, one query each.

Identifiers come only from the collection description (the registry); values are bound
parameters. Each function returns (statement, params).
"""

from __future__ import annotations

from psycopg import sql

from sig.crs import STORAGE_SRID, Crs
from sig.ogcapi.collections import Collection
from sig.ogcapi.params import ItemsQuery

Statement = tuple[sql.Composable, list]


def table(collection: Collection) -> sql.Composable:
    return sql.Identifier("public", collection.table)


def geometry_expr(crs: Crs) -> sql.Composable:
    """The stored geometry (EPSG:3763) in `crs`, in its axis order."""
    if crs.srid == STORAGE_SRID:
        return sql.Identifier("geom")
    expr = sql.SQL("ST_Transform(geom, {})").format(sql.Literal(crs.srid))
    if crs.lat_first:
        expr = sql.SQL("ST_FlipCoordinates({})").format(expr)
    return expr


def properties_expr(collection: Collection, names: tuple[str, ...] | None) -> sql.Composable:
    names = collection.property_names if names is None else names
    if not names:
        return sql.SQL("'{}'")
    pairs = sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(n), sql.Identifier(n))
                               for n in names)
    return sql.SQL("json_build_object({})::text").format(pairs)


def id_expr(collection: Collection) -> sql.Composable:
    column = sql.Identifier(collection.id_column)
    if collection.id_type == "integer":
        return sql.SQL("{}::text").format(column)
    return sql.SQL("to_json({})::text").format(column)


def feature_expr(collection: Collection, crs: Crs, names: tuple[str, ...] | None = None,
                 skip_geometry: bool = False) -> sql.Composable:
    """One GeoJSON Feature as text, built by PostgreSQL."""
    geometry: sql.Composable = sql.SQL("'null'")
    if not skip_geometry:
        geometry = sql.SQL("coalesce(ST_AsGeoJSON({}, {}, 0), 'null')").format(
            geometry_expr(crs), sql.Literal(crs.decimals))
    return sql.SQL(
        "'{{\"type\":\"Feature\",\"id\":' || {} || ',\"geometry\":' || {} || "
        "',\"properties\":' || {} || '}}'"
    ).format(id_expr(collection), geometry, properties_expr(collection, names))


def envelope_expr(bbox: tuple[float, float, float, float], crs: Crs) -> Statement:
    """A bbox in `crs` as an EPSG:3763 polygon whose edges follow the CRS's grid lines."""
    expr: sql.Composable = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(
        *[sql.Placeholder()] * 4, sql.Literal(crs.srid))
    if crs.srid != STORAGE_SRID:
        step = 0.01 if crs.srid == 4326 else 1000
        expr = sql.SQL("ST_Transform(ST_Segmentize({}, {}), {})").format(
            expr, sql.Literal(step), sql.Literal(STORAGE_SRID))
    return expr, list(bbox)


def where_expr(collection: Collection, query: ItemsQuery) -> Statement:
    parts: list[sql.Composable] = []
    params: list = []
    if query.bbox:
        envelope, values = envelope_expr(query.bbox, query.bbox_crs)
        parts.append(sql.SQL("ST_Intersects(geom, {})").format(envelope))
        params += values
    if query.time and collection.temporal:
        _time_clause(sql.Identifier(collection.temporal), query.time, parts, params)
    if query.municipios:
        parts.append(sql.SQL("{}::text = ANY({}::text[])").format(
            sql.Identifier(collection.municipio_column), sql.Placeholder()))
        params.append(list(query.municipios))
    for prop, value in query.equals:
        _equals_clause(prop, value, parts, params)
    if query.filter_sql is not None:
        parts.append(query.filter_sql)
        params += query.filter_params
    if not parts:
        return sql.SQL("TRUE"), params
    return sql.SQL(" AND ").join(parts), params


def _time_clause(column: sql.Composable, time, parts: list, params: list) -> None:
    if time.start is not None:
        parts.append(sql.SQL("{} >= {}::timestamptz").format(column, sql.Placeholder()))
        params.append(time.start)
    if time.end is not None:
        parts.append(sql.SQL("{} <= {}::timestamptz").format(column, sql.Placeholder()))
        params.append(time.end)


CASTS = {"string": "text", "integer": "bigint", "number": "double precision",
         "boolean": "boolean"}


def _equals_clause(prop, value, parts: list, params: list) -> None:
    column = sql.Identifier(prop.name)
    if prop.is_temporal:
        _time_clause(column, value, parts, params)
        return
    parts.append(sql.SQL("{} = {}::{}").format(column, sql.Placeholder(),
                                               sql.SQL(CASTS[prop.type])))
    params.append(value)


def order_expr(collection: Collection, query: ItemsQuery) -> sql.Composable:
    keys = [sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL("DESC" if desc else "ASC"))
            for name, desc in query.sortby]
    if collection.id_column not in {name for name, _ in query.sortby}:
        keys.append(sql.Identifier(collection.id_column))
    return sql.SQL(", ").join(keys)


def rows_statement(collection: Collection, query: ItemsQuery, limit: int) -> Statement:
    """The rows of one page, plain columns only: GeoJSON, WKT and the like are computed above
    the LIMIT, so rows skipped by OFFSET cost an index step, not their encoding."""
    where, params = where_expr(collection, query)
    statement = sql.SQL("SELECT * FROM {} WHERE {} ORDER BY {} LIMIT {}::bigint OFFSET "
                        "{}::bigint").format(table(collection), where,
                                             order_expr(collection, query), sql.Placeholder(),
                                             sql.Placeholder())
    return statement, params + [limit, query.offset]


def page_statement(collection: Collection, query: ItemsQuery, counted: bool) -> Statement:
    """Rows (numberMatched or NULL, feature text) for one page plus one row to detect more.

    With `counted`, numberMatched comes from `ogcapi.collection_state` in the same statement,
    so the count and the page share one snapshot.
    """
    rows, params = rows_statement(collection, query, query.limit + 1)
    page = sql.SQL("SELECT {} AS f FROM ({}) AS page ORDER BY {}").format(
        feature_expr(collection, query.crs, query.properties, query.skip_geometry), rows,
        order_expr(collection, query))
    if not counted:
        return sql.SQL("SELECT NULL::bigint AS n, p.f FROM ({}) p").format(page), params
    state = sql.SQL("SELECT coalesce(sum(features), 0)::bigint AS n FROM "
                    "ogcapi.collection_state WHERE table_name = {}").format(sql.Placeholder())
    state_params: list = [collection.table]
    if query.municipios:
        state = sql.SQL("{} AND municipio = ANY({}::text[])").format(state, sql.Placeholder())
        state_params.append(list(query.municipios))
    statement = sql.SQL("WITH m AS ({}) SELECT m.n, p.f FROM m LEFT JOIN LATERAL ({}) p "
                        "ON true").format(state, page)
    return statement, state_params + params


def count_statement(collection: Collection, query: ItemsQuery) -> Statement:
    where, params = where_expr(collection, query)
    return sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table(collection), where), params


def item_statement(collection: Collection, crs: Crs) -> Statement:
    """(feature text, row_version or NULL) of one feature."""
    version = sql.SQL("row_version") if collection.versioned else sql.SQL("NULL::int")
    cast = sql.SQL("bigint" if collection.id_type == "integer" else "text")
    statement = sql.SQL("SELECT {}, {} FROM {} WHERE {} = {}::{}").format(
        feature_expr(collection, crs), version, table(collection),
        sql.Identifier(collection.id_column), sql.Placeholder(), cast)
    return statement, []


def csv_statement(collection: Collection, query: ItemsQuery) -> Statement:
    """A COPY … TO STDOUT of one page as CSV with the geometry as WKT in the output CRS."""
    names = collection.property_names if query.properties is None else query.properties
    columns = [sql.SQL("{} AS id").format(sql.Identifier(collection.id_column))]
    columns += [sql.Identifier(name) for name in names]
    if not query.skip_geometry:
        columns.append(sql.SQL("ST_AsText({}, {}) AS wkt").format(
            geometry_expr(query.crs), sql.Literal(query.crs.decimals)))
    rows, params = rows_statement(collection, query, query.limit)
    select = sql.SQL("SELECT {} FROM ({}) AS page ORDER BY {}").format(
        sql.SQL(", ").join(columns), rows, order_expr(collection, query))
    statement = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(select)
    return statement, params
