"""Checking items parameters: every problem is a 400 naming the parameter (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sig.crs import CRS84, EPSG4326, PTTM06, WEB_MERCATOR
from sig.http import ApiError
from sig.ogcapi.collections import get_collections
from sig.ogcapi.crs import parse_crs
from sig.ogcapi.params import negotiate, parse_format, parse_items
from sig.ogcapi.temporal import parse_datetime

EQUIPAMENTOS = get_collections()["equipamentos"]


def items(**params: str):
    return parse_items({k: [v] for k, v in params.items()}, EQUIPAMENTOS)


def refused(**params: str) -> str:
    with pytest.raises(ApiError) as caught:
        items(**params)
    assert caught.value.status == 400
    return caught.value.message


def test_defaults():
    query = items()
    assert (query.limit, query.offset, query.crs, query.bbox) == (100, 0, CRS84, None)
    assert not query.filtered


@pytest.mark.parametrize("value", ["-1", "0", "abc", "100000", "10001", "1.5", ""])
def test_limit_out_of_range_or_not_an_integer(value):
    assert refused(limit=value).startswith("limit:")


def test_limit_maximum_is_accepted():
    assert items(limit="10000").limit == 10000


@pytest.mark.parametrize("value", ["1,2,3", "1,2,3,4,5", "a,b,c,d", "nan,1,2,3", "2,2,1,3",
                                   "1,3,2,2", "-200,0,10,10", "1,2,3,4,5,6,7"])
def test_bad_bbox(value):
    assert refused(bbox=value).startswith("bbox:")


def test_bbox_in_epsg4326_is_latitude_first():
    query = items(bbox="39.7,-8.9,39.8,-8.7", **{"bbox-crs": EPSG4326.uri})
    assert query.bbox == (-8.9, 39.7, -8.7, 39.8)


def test_bbox_with_six_numbers_ignores_heights():
    assert items(bbox="-9,39,0,-8,40,100").bbox == (-9.0, 39.0, -8.0, 40.0)


@pytest.mark.parametrize("name", ["crs", "bbox-crs", "filter-crs"])
def test_unknown_crs(name):
    assert refused(**{name: "http://www.opengis.net/def/crs/EPSG/0/27700"}).startswith(name)


@pytest.mark.parametrize("spelling, crs", [
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84), ("EPSG:4326", EPSG4326),
    ("[EPSG:3763]", PTTM06), ("https://www.opengis.net/def/crs/EPSG/0/3857", WEB_MERCATOR),
    ("urn:ogc:def:crs:EPSG::3763", PTTM06)])
def test_crs_spellings(spelling, crs):
    assert parse_crs(spelling) == crs


def test_bbox_crs_without_bbox_is_accepted():
    """GDAL 3.12 always sends bbox-crs."""
    assert items(**{"bbox-crs": CRS84.uri}).bbox is None


@pytest.mark.parametrize("value", ["", ",", "-", "nome,", "desconhecida", "-geom"])
def test_bad_sortby(value):
    assert refused(sortby=value).startswith("sortby:")


def test_sortby_keys():
    assert items(sortby="-updated_at,nome,+id").sortby == (
        ("updated_at", True), ("nome", False), ("id", False))


def test_properties():
    assert items(properties="nome,tipo").properties == ("nome", "tipo")
    assert items(properties="").properties == ()
    assert "desconhecida" in refused(properties="nome,desconhecida")


@pytest.mark.parametrize("value", ["ontem", "2024-13-01", "2024-05-01/2024-04-01", "../..",
                                   "2024-05-01T25:00:00Z", "1/2/3", "2024-05-01T10:00:00+25"])
def test_bad_datetime(value):
    assert refused(datetime=value).startswith("datetime:")


def test_datetime_forms():
    day = parse_datetime("2024-05-01")
    assert day.start == datetime(2024, 5, 1, tzinfo=UTC)
    assert day.end == datetime(2024, 5, 1, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_datetime("../2024-05-01T10:00:00Z").start is None
    assert parse_datetime("2024-05-01T10:00:00+01:00/..").start == datetime(2024, 5, 1, 9,
                                                                           tzinfo=UTC)


def test_datetime_on_a_collection_without_time():
    with pytest.raises(ApiError, match="propriedade temporal"):
        parse_items({"datetime": ["2024-01-01"]}, get_collections()["municipios"])


@pytest.mark.parametrize("params", [{"skipGeometry": "talvez"}, {"municipio": "10"},
                                    {"municipio": "1009,abcd"}, {"resulttype": "count"},
                                    {"parametro": "x"}, {"filter-lang": "ecql"},
                                    {"led": "sim"}])
def test_other_bad_values(params):
    with pytest.raises(ApiError) as caught:
        parse_items({k: [v] for k, v in params.items()}, get_collections()["iluminacao_publica"])
    assert caught.value.status == 400


def test_repeated_parameter():
    with pytest.raises(ApiError, match="repetido"):
        parse_items({"limit": ["1", "2"]}, EQUIPAMENTOS)


def test_queryables_as_parameters_are_typed():
    query = parse_items({"led": ["true"], "potencia_w": ["70"]},
                        get_collections()["iluminacao_publica"])
    assert [(p.name, v) for p, v in query.equals] == [("potencia_w", 70.0), ("led", True)]
    assert query.filtered


def test_municipio_alone_keeps_exact_counts_cheap():
    query = items(municipio="1009,1010")
    assert query.municipios == ("1009", "1010") and not query.filtered


def test_format_negotiation():
    assert parse_format(None, "text/html,application/xhtml+xml,*/*;q=0.8") == "html"
    assert parse_format(None, "application/json, text/html;q=0.5") == "json"
    assert parse_format(None, "") == "json"
    assert parse_format("csv") == "csv"
    assert negotiate("text/csv;q=0.9, application/geo+json;q=0.1",
                     (("application/geo+json", "json"), ("text/csv", "csv")), "json") == "csv"
    with pytest.raises(ApiError):
        parse_format("xml")
