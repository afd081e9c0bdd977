"""Public pages: the web map and the indicators. Thin views."""

from __future__ import annotations

import csv
import io

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from sig.i18n import choose_language
from sig.ocorrencias import indicators as occurrence_indicators
from sig.ocorrencias.categories import get_categories
from sig.opendata import indicators, territory
from sig.opendata.presentation import when
from sig.opendata.publisher import links_for
from sig.web import indicator_pages, mapconfig
from sig.web.pages import render_page


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The web map of all served municipalities."""
    lang = choose_language(request)
    links = links_for(request.build_absolute_uri("/"))
    context = {"config": mapconfig.map_config(lang), "basemaps": mapconfig.basemaps(),
               "qgis": mapconfig.qgis_addresses(links), "section": "map"}
    return render_page(request, "web/map.html", context)


def _areas() -> list[tuple[str, str]]:
    return [(a.code, a.nome) for a in territory.areas()]


@require_GET
def indicators_page(request: HttpRequest) -> HttpResponse:
    """Indicators per municipality and for the CIM: charts for one area, tables for all."""
    lang = choose_language(request)
    areas = _areas()
    area = request.GET.get("municipio") or "cimrl"
    if area not in dict(areas):
        return HttpResponseBadRequest(f"município desconhecido: {area}\n",
                                      content_type="text/plain; charset=utf-8")
    data, computed_at = indicators.values()
    sections = indicator_pages.sections(data, areas, area, lang)
    context = {
        "section": "indicators", "areas": areas, "area": area,
        "area_name": dict(areas)[area], "computed_at": computed_at,
        "computed_text": when(computed_at),
        "sections": [(s, indicator_pages.rows_for_template(s, lang)) for s in sections],
        "updates": indicator_pages.updates_table(data, areas, lang),
        "ocorrencias": indicator_pages.occurrence_table(
            occurrence_indicators.indicators(), areas, lang),
    }
    return render_page(request, "web/indicators.html", context)


@require_GET
def indicators_csv(request: HttpRequest) -> HttpResponse:
    """Every indicator in long format (one line per indicator, area and class)."""
    data, _ = indicators.values()
    lang = choose_language(request)
    body = indicators.csv_text(data, _areas(), lang) + _occurrences_csv(lang)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="indicadores-cimrl.csv"'
    return response


def _occurrences_csv(lang: str) -> str:
    """The Linha Verde lines of the indicators CSV (same columns, no header)."""
    names = {c.code: getattr(c.title, lang) for c in get_categories()}
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(indicator_pages.occurrence_csv(
        occurrence_indicators.indicators(), _areas(), lang, names))
    return out.getvalue()
