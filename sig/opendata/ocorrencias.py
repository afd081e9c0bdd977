"""Open data of the residents' occurrences (Linha Verde): the whole CIM as CSV and GeoJSON,
streamed from the view `ocorrencia_dados` as sig_reader, and its DCAT-AP dataset. The view
holds the public columns only (no contacts, tokens, photos or category answers)."""

from __future__ import annotations

from collections.abc import Iterator

from sig.opendata.downloads import Stream, open_reader
from sig.opendata.publisher import CREDIT

# The published columns, in this order, in every format.
COLUMNS = ("codigo", "categoria", "municipio", "freguesia", "estado", "descricao", "morada",
           "servico", "duplicada_de", "criada_em", "atualizada_em", "fechada_em", "prazo",
           "atrasada", "resposta")
VIEW = "public.ocorrencia_dados"
TIME = ("criada_em", "atualizada_em", "fechada_em", "prazo")
FORMATS = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}
TITLE = {"pt": "Ocorrências (Linha Verde)", "en": "Occurrences (Linha Verde)"}
DESCRIPTION = {
    "pt": "Ocorrências reportadas pelos munícipes na via e no espaço público dos municípios da "
          f"CIM Região de Leiria, com categoria, local, estado e respostas públicas, sem dados "
          f"pessoais. Atribuição: {CREDIT}.",
    "en": "Occurrences reported by residents in the streets and public spaces of the "
          "municipalities of CIM Região de Leiria, with category, place, state and public "
          f"replies, without personal data. Attribution: {CREDIT}.",
}


def _value(column: str) -> str:
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" \
        if column in TIME else column


def csv_sql() -> str:
    columns = ", ".join(f"{_value(c)} AS {c}" for c in COLUMNS)
    return (f"COPY (SELECT {columns}, round(ST_X(ST_Transform(geom, 4326))::numeric, 7) AS lon, "
            f"round(ST_Y(ST_Transform(geom, 4326))::numeric, 7) AS lat FROM {VIEW} "
            "ORDER BY criada_em, codigo) TO STDOUT WITH (FORMAT csv, HEADER true)")


def geojson_sql() -> str:
    pairs = ", ".join(f"'{c}', {_value(c)}" for c in COLUMNS)
    return ("SELECT json_build_object('type', 'Feature', 'id', codigo, 'geometry', "
            "ST_AsGeoJSON(ST_Transform(geom, 4326), 7)::json, 'properties', "
            f"json_build_object({pairs}))::text FROM {VIEW} ORDER BY criada_em, codigo")


def _csv(conn) -> Iterator[bytes]:
    with conn.cursor() as cursor, cursor.copy(csv_sql()) as copy:
        yield from (bytes(chunk) for chunk in copy)


def _geojson(conn) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","name":"ocorrencias","features":['
    with conn.cursor(name="ocorrencias") as cursor:
        cursor.execute(geojson_sql())
        for number, (feature,) in enumerate(cursor):
            yield (b"," if number else b"") + feature.encode()
    yield b"]}\n"


def stream(fmt: str) -> Stream:
    """The file's chunks; the connection closes when the response ends."""
    conn = open_reader()
    return Stream(conn, _csv(conn) if fmt == "csv" else _geojson(conn))
