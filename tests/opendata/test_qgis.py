"""The generated QGIS project: every theme as an OGC API Features layer with paging and bbox
restriction, styled from the registry; CAOP boundaries; WMTS layers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sig.registry import get_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(caop, client):
    response = client.get("/dados/qgis/sig-cimrl.qgs")
    assert response.status_code == 200
    assert 'filename="sig-cimrl.qgs"' in response["Content-Disposition"]
    return ET.fromstring(response.content.decode("utf-8").split("\n", 1)[1])


def test_every_theme_is_an_ogc_api_features_layer(project):
    layers = {m.findtext("id"): m for m in project.iter("maplayer")}
    for theme in get_registry():
        layer = layers[f"oapif_{theme.id}"]
        assert layer.findtext("provider") == "OAPIF"
        source = layer.findtext("datasource")
        assert f"typename='{theme.id}'" in source
        assert "restrictToRequestBBOX='1'" in source and "pagingEnabled='true'" in source
        assert "url='http://testserver/ogcapi/'" in source
        assert layer.findtext("layername") == theme.title.pt
    assert {"oapif_municipios", "oapif_freguesias"} <= set(layers)
    wmts = [m for m in layers.values() if m.findtext("provider") == "wms"]
    assert len(wmts) == len([t for t in get_registry() if t.exposure.maps.enabled]) + 1
    assert all("tileMatrixSet=PTTM06" in m.findtext("datasource") for m in wmts)
    assert "layers=mapa_base&" in layers["wmts_mapa_base"].findtext("datasource")


def test_styles_come_from_the_registry(project):
    layer = next(m for m in project.iter("maplayer") if m.findtext("id") == "oapif_residuos")
    renderer = layer.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "fluxo"
    categories = {c.get("value"): c for c in renderer.iter("category")}
    style = get_registry()["residuos"].style
    assert set(categories) == set(style.classes) | {""}
    glass = categories["vidro"]
    symbol = next(s for s in renderer.iter("symbol") if s.get("name") == glass.get("symbol"))
    options = {o.get("name"): o.get("value") for o in symbol.iter("Option") if o.get("name")}
    assert options["color"] == "49,163,84,255" and options["name"] == "square"
    assert glass.get("label") == "Vidro"


def test_layer_tree_groups_and_scale_limits(project):
    groups = {g.get("name"): g.get("checked")
              for g in project.find("layer-tree-group").findall("layer-tree-group")}
    assert groups["Mapa de base"] == "Qt::Checked"
    assert groups["Limites administrativos (CAOP)"] == groups["Mapas (WMTS)"] == "Qt::Unchecked"
    assert list(groups)[-1] == "Mapa de base"  # drawn below everything
    lights = next(m for m in project.iter("maplayer") if m.findtext("id") ==
                  "oapif_iluminacao_publica")
    assert lights.get("hasScaleBasedVisibilityFlag") == "1"
    assert 60000 < float(lights.get("minScale")) < 80000  # zoom 13
    assert project.find("projectCrs/spatialrefsys/wkt").text.startswith("PROJCRS[")
    assert project.find("projectCrs/spatialrefsys/authid").text == "EPSG:3763"
    # without this QGIS ignores projectCrs and draws the layers unprojected
    assert project.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
    extent = project.find("mapcanvas/extent")
    assert -130000 < float(extent.findtext("xmin")) < float(extent.findtext("xmax")) < 10000


def test_vector_tiles_drawn_with_the_service_style(project):
    """QGIS 3.22 applies a `styleUrl` only when asked, so the layer also carries the style's
    classes as its renderer (`scripts/qgis-smoke` draws both and compares the colours)."""
    from sig.ogcapi.styles import map_style

    layer = next(m for m in project.iter("maplayer") if m.findtext("id") == "teselas_vetoriais")
    assert layer.get("type") == "vector-tile" and layer.findtext("provider") == "vectortile"
    source = layer.findtext("datasource")
    assert "url=http://testserver/ogcapi/tiles/WebMercatorQuad/{z}/{y}/{x}" in source
    assert source.endswith("&styleUrl=http://testserver/ogcapi/styles/default")
    styles = layer.findall("renderer/styles/style")
    drawn = [entry for entry in map_style("http://testserver/ogcapi")["layers"]
             if entry["type"] != "symbol"]
    assert [s.get("name") for s in styles] == list(dict.fromkeys(
        entry["id"].rsplit("/", 1)[0] for entry in drawn))
    saude = next(s for s in styles if s.get("name") == "equipamentos/saude")
    assert saude.get("expression") == "\"tipo\" = 'saude'" and saude.get("min-zoom") == "8"
    options = {o.get("name"): o.get("value") for o in saude.iter("Option") if o.get("name")}
    assert options["color"] == "227,26,28,255" and options["name"] == "cross_fill"
