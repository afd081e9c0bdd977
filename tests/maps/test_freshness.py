"""Tiles follow edits: a committed change makes the cached tiles over it stale within 5 s.

The dirty extents are recorded by a trigger in the database, as the real roles: a municipal
editor's QGIS login and the web app (sig_app stating its user), never the owner.
"""

from __future__ import annotations

import io
import json
import math
import secrets
import time

import numpy as np
import pytest
from PIL import Image
from psycopg import errors

from sig.maps.tiles import TileRange, level_range
from sig.tilegrid import PTTM06
from tests.conftest import act_as

LEVEL = 12  # 0.5 m per pixel
BLUE, RED = (0x1F, 0x78, 0xB4), (0xE3, 0x1A, 0x1C)  # educacao, saude in layers/equipamentos.yml


def pixel(body: bytes, column: int, row: int) -> tuple[int, int, int, int]:
    return tuple(int(v) for v in np.asarray(Image.open(io.BytesIO(body)).convert("RGBA"))
                 [row, column])


def tile_and_pixel(x: float, y: float) -> tuple[int, int, int, int]:
    span, resolution = PTTM06.tile_span(LEVEL), PTTM06.resolutions[LEVEL]
    col, row = int((x - PTTM06.origin_x) // span), int((PTTM06.origin_y - y) // span)
    minx, _, _, maxy = PTTM06.tile_bounds(LEVEL, row, col)
    return col, row, int((x - minx) / resolution), int((maxy - y) / resolution)


def webmercator_tile(x: float, y: float, reader, zoom: int = 16) -> tuple[int, int]:
    lon, lat = reader.execute("SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID("
                              "ST_MakePoint(%s, %s), 3763), 4326) p", (x, y)).fetchone()
    n = 2 ** zoom
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat)))
                                            / math.pi) / 2 * n)


def close(colour, expected, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour[:3], expected, strict=True))


@pytest.fixture
def school(demo, owner):
    """An isolated demo school of Leiria (1009), restored afterwards."""
    row = owner.execute(
        "SELECT e.id, ST_X(e.geom), ST_Y(e.geom), e.tipo FROM equipamentos e "
        "WHERE e.municipio = '1009' AND e.tipo = 'educacao' AND NOT EXISTS ("
        " SELECT 1 FROM equipamentos o WHERE o.id <> e.id AND ST_DWithin(o.geom, e.geom, 80))"
        " ORDER BY e.id LIMIT 1").fetchone()
    assert row, "the demo has an isolated school"
    yield row[:3]
    owner.execute("UPDATE equipamentos SET tipo = %s WHERE id = %s", (row[3], row[0]))
    owner.commit()


def test_an_editors_commit_shows_in_the_cached_wmts_tiles_within_5_s(maps_server, editor,
                                                                     school, reader):
    fid, x, y = school
    col, row, px, py = tile_and_pixel(x, y)
    ptt = f"/maps/wmts/equipamentos/PTTM06/{LEVEL}/{col}/{row}.png"
    wx, wy = webmercator_tile(x, y, reader)
    merc = f"/maps/wmts/equipamentos/GLOBAL_WEBMERCATOR/16/{wx}/{wy}.png"
    before = maps_server.get(ptt)[2]
    merc_before = maps_server.get(merc)[2]
    assert maps_server.get(ptt)[2] == before  # now served from the cache
    assert close(pixel(before, px, py), BLUE)

    editor.execute("UPDATE equipamentos SET tipo = 'saude' WHERE id = %s", (fid,))
    editor.commit()
    committed = time.monotonic()
    while time.monotonic() - committed < 5:
        after, merc_after = maps_server.get(ptt)[2], maps_server.get(merc)[2]
        if after != before and merc_after != merc_before:
            break
        time.sleep(0.2)
    assert after != before, "the cached PT-TM06 tile still shows the old feature after 5 s"
    assert merc_after != merc_before, "the Web Mercator tile still shows it after 5 s"
    assert close(pixel(after, px, py), RED)


REPORT = ("SELECT * FROM acl.ocorrencia_criar('iluminacao', %s, %s, 'Candeeiro apagado', "
          "NULL, 'Divisão X', 72, NULL, NULL, NULL, '{}'::jsonb, 'web', '{}'::jsonb, NULL, NULL)")
NEW, UNDER_REVIEW = (0xD7, 0x30, 0x1F), (0xFC, 0x8D, 0x59)  # STATE_COLOURS, nova, em_analise


def wait_for_change(maps_server, path: str, before: bytes, seconds: float = 5) -> bytes:
    committed = time.monotonic()
    while time.monotonic() - committed < seconds:
        after = maps_server.get(path)[2]
        if after != before:
            return after
        time.sleep(0.2)
    return before


def info_properties(maps_server, x: float, y: float) -> set[str]:
    """The attributes WMS GetFeatureInfo answers for the occurrence at (x, y), EPSG:3763."""
    query = ("/maps/service?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=ocorrencias"
             f"&QUERY_LAYERS=ocorrencias&STYLES=&CRS=EPSG:3763&BBOX={x - 50},{y - 50},{x + 50},"
             f"{y + 50}&WIDTH=100&HEIGHT=100&I=50&J=50&FORMAT=image/png"
             "&INFO_FORMAT=application/json")
    status, _, body = maps_server.get(query)
    assert status == 200, body[:300]
    features = json.loads(body)["features"]
    assert features, "GetFeatureInfo finds no occurrence"
    return set().union(*(f["properties"] for f in features))


def test_a_report_and_its_triage_show_in_the_occurrences_wmts_layer_within_5_s(
        maps_server, app, reader):
    """A resident's report appears on the cached layer `ocorrencias`, and a state change by the
    municipality's staff recolours it, each within 5 s of the commit."""
    offset = secrets.randbelow(4000) / 1e5  # a point of its own, clear of other tests' reports
    lon, lat = -8.83 + offset, 39.74
    x, y = reader.execute("SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID("
                          "ST_MakePoint(%s, %s), 4326), 3763) p", (lon, lat)).fetchone()
    col, row, px, py = tile_and_pixel(x, y)
    path = f"/maps/wmts/ocorrencias/PTTM06/{LEVEL}/{col}/{row}.png"
    empty = maps_server.get(path)[2]
    assert pixel(empty, px, py)[3] == 0

    codigo = app.execute(REPORT, (lon, lat)).fetchone()[1]
    app.commit()
    reported = wait_for_change(maps_server, path, empty)
    assert close(pixel(reported, px, py), NEW), "the new report is not on the cached tile"
    assert info_properties(maps_server, x, y) == {
        "id", "camada", "codigo", "categoria", "municipio", "freguesia", "estado", "criada_em"}

    act_as(app, "ana", ["1009"])
    app.execute("UPDATE ocorrencia SET estado = 'em_analise' WHERE codigo = %s", (codigo,))
    app.commit()
    triaged = wait_for_change(maps_server, path, reported)
    assert close(pixel(triaged, px, py), UNDER_REVIEW), "the state change is not on the tile"


def test_a_rolled_back_change_leaves_no_dirty_extent(demo, app):
    act_as(app, "ana", ["1009"])
    app.execute("INSERT INTO equipamentos (municipio, tipo, nome, geom) VALUES "
                "('1009', 'cultura', 'Teste', 'SRID=3763;POINT(-57826 9015)')")
    assert app.execute("SELECT count(*) FROM maps.dirty_extent "
                       "WHERE table_name = 'equipamentos' AND txid = txid_current()"
                       ).fetchone()[0] == 1
    app.rollback()
    assert app.execute("SELECT count(*) FROM maps.dirty_extent WHERE minx = -57826 "
                       "AND miny = 9015").fetchone()[0] == 0


def test_a_move_records_old_and_new_extents_and_no_op_records_nothing(demo, app):
    act_as(app, "ana", ["1009"])
    fid = app.execute("INSERT INTO equipamentos (municipio, tipo, nome, geom) VALUES "
                      "('1009', 'cultura', 'Teste', 'SRID=3763;POINT(-57826 9015)') "
                      "RETURNING id").fetchone()[0]
    mark = app.execute("SELECT coalesce(max(id), 0) FROM maps.dirty_extent").fetchone()[0]
    app.execute("UPDATE equipamentos SET geom = 'SRID=3763;POINT(-57700 9100)' WHERE id = %s",
                (fid,))
    app.execute("UPDATE equipamentos SET nome = nome WHERE id = %s", (fid,))
    boxes = app.execute("SELECT minx, miny FROM maps.dirty_extent WHERE id > %s ORDER BY id",
                        (mark,)).fetchall()
    assert boxes == [(-57826, 9015), (-57700, 9100)]
    app.rollback()


def test_a_bulk_change_is_grouped_by_municipality_and_cell(demo, app):
    act_as(app, "carga", ["1010"])
    changed = app.execute("UPDATE iluminacao_publica SET led = NOT led "
                          "WHERE municipio = '1010'").rowcount
    rows, features, widest = app.execute(
        "SELECT count(*), sum(features), max(greatest(maxx - minx, maxy - miny)) "
        "FROM maps.dirty_extent WHERE txid = txid_current()").fetchone()
    assert changed > 64 and features == changed and rows < changed / 2
    assert widest < 4000  # 2 km cells keep each extent small
    app.rollback()


def test_nobody_writes_dirty_extents_directly_and_the_reader_cannot_see_them(app, reader,
                                                                             editor):
    for conn in (app, editor):
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("INSERT INTO maps.dirty_extent (table_name, features) VALUES ('x', 1)")
        conn.rollback()
    with pytest.raises(errors.InsufficientPrivilege):
        reader.execute("SELECT * FROM maps.dirty_extent")


def test_tile_ranges_cover_the_margin_and_stay_in_the_grid():
    from mapproxy.grid.tile_grid import tile_grid

    grid = tile_grid(srs="EPSG:3763", bbox=PTTM06.bbox, res=list(PTTM06.resolutions),
                     origin="nw", tile_size=(256, 256))
    point = (-57826.0, 9015.0, -57826.0, 9015.0)
    deep = level_range(grid, point, 15, 128)
    assert isinstance(deep, TileRange) and deep.count in (1, 2, 4)
    corner = level_range(grid, (-262144.0, 299999.0, -262144.0, 299999.0), 3, 128)
    assert corner.x0 == 0 and corner.y0 == 0
    assert level_range(grid, (1e7, 1e7, 1e7 + 1, 1e7 + 1), 3, 0) is None
