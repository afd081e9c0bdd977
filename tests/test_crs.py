"""One table of CRS names for the OGC API, the editing API, the importer and downloads."""

from __future__ import annotations

import pytest

from sig.crs import CRS84, CRS84_URI, EPSG4326, PTTM06, authority_code, canonical_uri, find
from sig.editing.geometry import parse_crs as editing_crs
from sig.importing.crs import parse_crs as importing_crs
from sig.ogcapi.crs import parse_crs as ogcapi_crs
from sig.opendata.exports import parse_srid

SPELLINGS = [
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84),
    ("https://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84),
    ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>", CRS84),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", CRS84), ("OGC:CRS84", CRS84), ("[OGC:CRS84]", CRS84),
    ("crs84", CRS84),
    ("http://www.opengis.net/def/crs/EPSG/0/4326", EPSG4326), ("EPSG:4326", EPSG4326),
    ("[EPSG:4326]", EPSG4326), ("urn:ogc:def:crs:EPSG::4326", EPSG4326),
    ("urn:ogc:def:crs:EPSG:9.8:4326", EPSG4326), ("epsg:3763", PTTM06),
]


@pytest.mark.parametrize("spelling, crs", SPELLINGS)
def test_every_reader_understands_every_spelling(spelling, crs):
    assert canonical_uri(spelling) == crs.uri
    assert ogcapi_crs(spelling) == editing_crs(spelling) == crs
    assert importing_crs(spelling).equals(importing_crs(authority_code(spelling) or ""))
    if crs.uri != CRS84_URI:
        assert parse_srid(spelling) == crs.srid


@pytest.mark.parametrize("value", ["urn:x", "EPSG:4326/", "4326", "EPSG:", "CRS83", ""])
def test_requests_name_a_crs(value):
    assert canonical_uri(value) is None and find(value, (CRS84, PTTM06)) is None


def test_files_and_downloads_may_give_a_bare_number():
    assert authority_code("3763") == "EPSG:3763" and parse_srid("4326") == 4326
    assert importing_crs("27493").to_epsg() == 27493
