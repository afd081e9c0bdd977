"""The web map, the catalogue and the indicators in Debian's headless chromium, against the
running service with demo data: drawing, identify, search, measure, coordinates, permalink,
PNG export, selectors, downloads. Screenshots are kept in var/test-artifacts/."""

from __future__ import annotations

import io
import math
import re
from urllib.parse import parse_qs

import pyogrio
import pytest
from PIL import Image
from pyproj import Geod, Transformer

from tests.conftest import act_as
from tests.web.conftest import ARTIFACTS, until

TO_MERCATOR = Transformer.from_crs(3763, 3857, always_xy=True)
TO_WGS84 = Transformer.from_crs(3763, 4326, always_xy=True)
BASEMAP = (0xF7, 0xF7, 0xF2)  # the neutral basemap's municipality fill


def _ordenamento_colours() -> list[tuple[int, int, int]]:
    """Class fills of ordenamento as drawn (opacity 0.7 over the neutral basemap)."""
    from sig.registry import get_registry

    colours = []
    for symbol in get_registry()["ordenamento"].style.classes.values():
        if symbol.fill:
            rgb = [int(symbol.fill[i:i + 2], 16) for i in (1, 3, 5)]
            colours.append(tuple(round(symbol.opacity * c + (1 - symbol.opacity) * b)
                                 for c, b in zip(rgb, BASEMAP, strict=True)))
    return colours


def _matching_pixels(png: bytes, colours, tolerance: int = 4) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height)
    return sum(n for n, rgb in counts
               if any(max(abs(a - b) for a, b in zip(rgb, c, strict=True)) <= tolerance
                      for c in colours))


def _map_pixel(page, x: float, y: float) -> tuple[float, float]:
    """Screen position of an EPSG:3857 coordinate on the map."""
    box = page.page.locator("#map").bounding_box()
    px, py = page.page.evaluate(f"sig.map.getPixelFromCoordinate([{x}, {y}])")
    return box["x"] + px, box["y"] + py


def _facility(reader, where: str = "municipio = '1009'"):
    fid, name, x, y = reader.execute(
        f"SELECT id, nome, ST_X(geom), ST_Y(geom) FROM equipamentos WHERE {where} "
        "ORDER BY id LIMIT 1").fetchone()
    reader.rollback()
    return fid, name, (x, y)


def _view_hash(lonlat, zoom, layers) -> str:
    return f"#z={zoom}&c={lonlat[0]:.6f},{lonlat[1]:.6f}&l={','.join(layers)}&b=neutro"


def test_map_loads_without_console_errors_and_draws_features(page, reader):
    _, _, (x, y) = _facility(reader)
    centre = TO_WGS84.transform(x, y)
    colours = _ordenamento_colours()
    page.open("/" + _view_hash(centre, 12, ["ordenamento", "rede_viaria", "equipamentos"]))
    with_layers = page.page.locator("#map").screenshot()
    page.shot("mapa-camadas")
    drawn = _matching_pixels(with_layers, colours)
    page.page.locator('input[data-layer="ordenamento"][type="checkbox"]').uncheck()
    page.page.wait_for_timeout(600)
    without = _matching_pixels(page.page.locator("#map").screenshot(), colours)
    assert drawn > 5000 and without < drawn / 20, (drawn, without)
    assert page.errors == []


def test_identify_shows_the_attributes_as_text(page, reader, app):
    _, _, (x, y) = _facility(reader)
    name = '<img src=x onerror="window.__xss=1">Escola «teste»'
    with app.transaction():
        act_as(app, "teste-mapa", ["1009"])
        (fid,) = app.execute(
            "INSERT INTO equipamentos (municipio, tipo, nome, geom) VALUES "
            "('1009', 'educacao', %s, ST_SetSRID(ST_MakePoint(%s, %s), 3763)) RETURNING id",
            (name, x + 40, y + 40)).fetchone()
    try:
        page.open("/" + _view_hash(TO_WGS84.transform(x + 40, y + 40), 17, ["equipamentos"]))
        page.page.mouse.click(*_map_pixel(page, *TO_MERCATOR.transform(x + 40, y + 40)))
        popup = page.page.locator("#popup-content")
        popup.locator(".identify-result").first.wait_for()
        page.shot("mapa-identificar")
        result = popup.locator('.identify-result[data-layer="equipamentos"]').first
        assert name in result.inner_text()
        assert "Leiria (1009)" in result.inner_text()
        assert popup.locator("img").count() == 0
        assert page.page.evaluate("window.__xss") is None
    finally:
        with app.transaction():
            act_as(app, "teste-mapa", ["1009"])
            app.execute("DELETE FROM equipamentos WHERE id = %s", (fid,))
    assert page.errors == []


def test_search_finds_an_address_and_zooms_to_it(page, reader):
    street, number, x, y = reader.execute(
        "SELECT arruamento, numero, ST_X(geom), ST_Y(geom) FROM moradas WHERE municipio = '1016' "
        "ORDER BY id LIMIT 1").fetchone()
    reader.rollback()
    page.open("/")
    page.page.fill("#search-input", f"{street.lower()} {number}, porto de mos")
    found = page.page.locator('#search-results button[data-kind="morada"]')
    found.first.wait_for()
    assert all("Porto de Mós" in text for text in found.all_inner_texts())
    page.page.press("#search-input", "Enter")
    page.until("sig.map.getView().getZoom() > 17.5")
    page.page.wait_for_timeout(500)
    centre = page.page.evaluate("sig.map.getView().getCenter()")
    ex, ey = TO_MERCATOR.transform(x, y)
    assert math.dist(centre, (ex, ey)) < 2
    page.shot("mapa-pesquisa-morada")
    assert page.errors == []


def test_measure_distance_geodesic_and_in_pttm06(page):
    page.open("/#z=14&c=-8.80000,39.74000&l=&b=neutro")
    page.page.click("#measure-length")
    box = page.page.locator("#map").bounding_box()
    start, end = (box["x"] + 300, box["y"] + 300), (box["x"] + 700, box["y"] + 400)
    page.page.mouse.click(*start)
    page.page.mouse.dblclick(*end)
    text = page.page.locator("#measure-result").inner_text()
    a = page.page.evaluate(f"sig.map.getCoordinateFromPixel([{start[0] - box['x']}, "
                           f"{start[1] - box['y']}])")
    b = page.page.evaluate(f"sig.map.getCoordinateFromPixel([{end[0] - box['x']}, "
                           f"{end[1] - box['y']}])")
    to_wgs84 = Transformer.from_crs(3857, 4326, always_xy=True)
    (lon1, lat1), (lon2, lat2) = to_wgs84.transform(*a), to_wgs84.transform(*b)
    geodesic = Geod(ellps="GRS80").inv(lon1, lat1, lon2, lat2)[2]
    to_tm = Transformer.from_crs(3857, 3763, always_xy=True)
    planar = math.dist(to_tm.transform(*a), to_tm.transform(*b))
    shown = [float(re.sub(r"\s", "", v).replace(",", "."))
             for v in re.findall(r"(\d[\d\s]*,\d+) km", text)]
    assert "geodésica" in text and "PT-TM06" in text
    assert shown[0] == pytest.approx(geodesic / 1000, abs=0.01)  # sphere vs ellipsoid
    assert shown[1] == pytest.approx(planar / 1000, abs=0.0011)
    page.shot("mapa-medir")


def test_coordinates_under_the_cursor_match_proj(page):
    page.open("/#z=15&c=-8.80000,39.74000&l=&b=neutro")
    box = page.page.locator("#map").bounding_box()
    mx, my = round(box["x"] + 400), round(box["y"] + 300)  # the browser reports whole pixels
    page.page.mouse.move(mx, my)
    text = page.page.locator("#coords").inner_text()
    coordinate = page.page.evaluate(  # the pixel as OpenLayers reads it from the event
        f"sig.map.getCoordinateFromPixel(sig.map.getEventPixel({{clientX: {mx}, clientY: {my}}}))")
    x, y = Transformer.from_crs(3857, 3763, always_xy=True).transform(*coordinate)
    lon, lat = Transformer.from_crs(3857, 4326, always_xy=True).transform(*coordinate)
    numbers = [float(re.sub(r"\s", "", v).replace(",", "."))
               for v in re.findall(r"-?\d[\d\s]*,\d+", text)]
    assert numbers[0] == pytest.approx(x, abs=0.02), text
    assert numbers[1] == pytest.approx(y, abs=0.02)
    assert numbers[2] == pytest.approx(lat, abs=2e-6)
    assert numbers[3] == pytest.approx(abs(lon), abs=2e-6) and "° O" in text


def test_permalink_keeps_view_layers_and_area(page):
    page.open("/")
    page.page.select_option("#select-municipio", "1010")
    page.page.wait_for_timeout(800)
    page.page.locator('input[data-layer="residuos"][type="checkbox"]').check()
    page.page.locator('input[data-layer="residuos"][type="range"]').fill("40")
    params = parse_qs(page.page.evaluate("location.hash").lstrip("#"))
    assert params["m"] == ["1010"] and "residuos" in params["l"][0].split(",")
    assert params["o"] == ["residuos:40"]
    page.page.reload()
    page.until("Number(document.getElementById('map').dataset.renders) >= 1")
    assert page.page.input_value("#select-municipio") == "1010"
    assert page.page.locator('input[data-layer="residuos"][type="checkbox"]').is_checked()
    zoom = page.page.evaluate("sig.map.getView().getZoom()")
    assert float(params["z"][0]) == pytest.approx(zoom, abs=0.01)
    assert page.page.locator("#select-freguesia option").count() > 1
    page.shot("mapa-marinha-grande")
    assert page.errors == []


def test_export_png_of_the_view(page):
    page.open("/")
    with page.page.expect_download() as download:
        page.page.click("#export-png")
    image = Image.open(download.value.path())
    assert download.value.suggested_filename.endswith(".png")
    box = page.page.locator("#map").bounding_box()
    assert image.size == (round(box["width"]), round(box["height"]))
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 20  # not a blank image


def test_english_switch_and_basemap_and_raster_mode(page):
    page.open("/?lang=en")
    assert page.page.locator("html").get_attribute("lang") == "en"
    assert page.page.locator("#panel h2").first.inner_text() == "Layers"
    with page.page.expect_request(re.compile(r"/maps/wmts/.+/GLOBAL_WEBMERCATOR/")):
        page.page.check('input[name="mode"][value="raster"]')
    with page.page.expect_request(re.compile(r"/maps/wmts/mapa_base/GLOBAL_WEBMERCATOR/")):
        page.page.check('input[name="basemap"][value="mapa_base"]')
    page.page.check('input[name="basemap"][value="nenhum"]')
    assert "r=raster" in page.page.evaluate("location.hash")
    assert "b=nenhum" in page.page.evaluate("location.hash")


def test_small_screen_hides_the_panel_behind_a_button(browser, service):
    context = browser.new_context(viewport={"width": 390, "height": 780}, is_mobile=True)
    try:
        mobile = context.new_page()
        mobile.goto(service + "/")
        until(mobile, "Number(document.getElementById('map').dataset.renders) >= 1")
        panel = mobile.locator("#panel")
        assert not panel.is_visible() or panel.bounding_box()["y"] >= 780
        mobile.click("#panel-toggle")
        mobile.wait_for_timeout(400)
        assert panel.bounding_box()["y"] < 780
        mobile.screenshot(path=str(ARTIFACTS / "mapa-telemovel.png"))
    finally:
        context.close()


def test_a_download_from_the_catalogue_opens_in_gdal(page, reader):
    page.page.goto(page.base + "/dados/equipamentos/")
    with page.page.expect_download() as download:
        page.page.locator('tr[data-area="1009"] a[href="/dados/equipamentos/1009.gpkg"]').click()
    info = pyogrio.read_info(download.value.path())
    (count,) = reader.execute(
        "SELECT count(*) FROM equipamentos WHERE municipio = '1009'").fetchone()
    assert info["features"] == count and info["crs"] == "EPSG:3763"
    page.shot("dados-equipamentos")
    assert page.errors == []


def test_indicators_page_renders(page):
    page.page.goto(page.base + "/indicadores/?municipio=1009")
    bars = page.page.locator("#rede_viaria_km svg rect")
    assert bars.count() >= 5
    assert page.page.locator("#iluminacao_led table tbody tr").count() == 1
    assert "Leiria" in page.page.locator("#rede_viaria_km svg").get_attribute("aria-label")
    page.shot("indicadores")
    assert page.errors == []


def test_use_in_qgis_panel_gives_the_addresses_and_the_project(page):
    page.open("/")
    page.page.click("#qgis-open")
    dialog = page.page.locator("#qgis-dialog")
    assert dialog.is_visible()
    assert dialog.locator("#qgis-ogcapi").inner_text() == f"{page.base}/ogcapi/"
    assert "WMTSCapabilities.xml" in dialog.locator("#qgis-wmts").inner_text()
    with page.page.expect_download() as download:
        dialog.locator("#qgis-project").click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("<!DOCTYPE qgis") and f"url='{page.base}/ogcapi/'" in text
    page.page.click("#qgis-close")
    assert not dialog.is_visible()
    assert page.errors == []
