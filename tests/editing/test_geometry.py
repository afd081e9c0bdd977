"""Incoming geometries: CRS header, structure, ranges, type conversion (no database)."""

from __future__ import annotations

import pytest

from sig.editing.errors import EditingError
from sig.editing.geometry import CRS84, EPSG4326, PTTM06, parse_crs, parse_geometry
from sig.registry.schema import GeometryType


@pytest.mark.parametrize("header, expected", [
    (None, CRS84), ("", CRS84),
    ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>", CRS84),
    ("http://www.opengis.net/def/crs/EPSG/0/3763", PTTM06), ("EPSG:3763", PTTM06),
    ("<http://www.opengis.net/def/crs/EPSG/0/4326>", EPSG4326),
])
def test_content_crs_values(header, expected):
    assert parse_crs(header) == expected


def test_unknown_crs_is_named():
    with pytest.raises(EditingError, match="EPSG:27493"):
        parse_crs("EPSG:27493")


def test_point_theme_accepts_point_and_builds_multi_for_multi_themes():
    point = parse_geometry({"type": "Point", "coordinates": [-57826, 9015]},
                           GeometryType.POINT, PTTM06)
    assert point.geom_type == "Point" and point.srid == 3763
    multi = parse_geometry({"type": "Point", "coordinates": [-57826, 9015]},
                           GeometryType.MULTIPOINT, PTTM06)
    assert multi.geom_type == "MultiPoint" and len(multi) == 1


def test_lat_lon_order_of_epsg_4326_is_swapped():
    geometry = parse_geometry({"type": "Point", "coordinates": [39.7475, -8.8078]},
                              GeometryType.POINT, EPSG4326)
    assert (geometry.x, geometry.y) == (-8.8078, 39.7475)


@pytest.mark.parametrize("geometry, wanted, message", [
    ({"type": "LineString", "coordinates": [[-57826, 9015], [-57800, 9000]]},
     GeometryType.POINT, "tipo de geometria errado"),
    ({"type": "GeometryCollection", "geometries": []}, GeometryType.POINT, "não suportado"),
    ({"type": "Point", "coordinates": ["a", 1]}, GeometryType.POINT, "números"),
    ({"type": "Point", "coordinates": [1]}, GeometryType.POINT, "2 ou 3"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]}, GeometryType.POLYGON,
     "fechado"),
    ({"type": "LineString", "coordinates": [[-57826, 9015]]}, GeometryType.LINESTRING,
     "2 posições"),
    (None, GeometryType.POINT, "em falta"),
    ({"coordinates": [0, 0]}, GeometryType.POINT, "type e coordinates"),
])
def test_malformed_geometries_are_refused_with_the_reason(geometry, wanted, message):
    with pytest.raises(EditingError, match=message) as caught:
        parse_geometry(geometry, wanted, PTTM06)
    assert caught.value.status == 400


def test_coordinates_out_of_range():
    with pytest.raises(EditingError, match="fora do intervalo") as caught:
        parse_geometry({"type": "Point", "coordinates": [200, 39]}, GeometryType.POINT, CRS84)
    assert caught.value.status == 400
    with pytest.raises(EditingError, match="fora da área do PT-TM06") as caught:
        parse_geometry({"type": "Point", "coordinates": [2.35, 48.85]}, GeometryType.POINT,
                       CRS84)
    assert caught.value.status == 422
    with pytest.raises(EditingError, match="fora da área do PT-TM06"):
        parse_geometry({"type": "Point", "coordinates": [5e6, 9015]}, GeometryType.POINT, PTTM06)


def test_multi_with_several_parts_cannot_become_single():
    multi = {"type": "MultiPoint", "coordinates": [[-57826, 9015], [-57000, 9000]]}
    with pytest.raises(EditingError, match="2 partes"):
        parse_geometry(multi, GeometryType.POINT, PTTM06)


def test_polygon_with_hole_is_kept():
    outer = [[-58000, 9000], [-57000, 9000], [-57000, 10000], [-58000, 10000], [-58000, 9000]]
    hole = [[-57800, 9200], [-57200, 9200], [-57200, 9800], [-57800, 9800], [-57800, 9200]]
    geometry = parse_geometry({"type": "Polygon", "coordinates": [outer, hole]},
                              GeometryType.MULTIPOLYGON, PTTM06)
    assert geometry.geom_type == "MultiPolygon" and geometry[0].num_interior_rings == 1
