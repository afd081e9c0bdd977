"""What the catalogue pages show, in one language (plain data, no request)."""

from __future__ import annotations

from typing import Any

from sig.opendata import catalog
from sig.opendata.exports import FORMATS
from sig.opendata.publisher import ServiceLinks
from sig.opendata.territory import Area
from sig.registry import Theme, get_registry


def when(iso: str | None) -> str:
    """An ISO date-time as `AAAA-MM-DD HH:MM` (UTC), or a dash."""
    return f"{iso[:10]} {iso[11:16]} UTC" if iso and len(iso) >= 16 else (iso or "—")


def _pick(texts: dict[str, str] | None, lang: str) -> str:
    if not texts:
        return ""
    return texts.get(lang) or texts.get("pt", "")


def theme_summary(theme: Theme, stats: dict[str, Any], lang: str) -> dict[str, Any]:
    per = stats.get(theme.id, {}).get("municipios", {})
    dates = [v["atualizado_em"] for v in per.values() if v.get("atualizado_em")]
    return {
        "id": theme.id, "title": _pick(theme.title.model_dump(), lang),
        "description": _pick(theme.description.model_dump(), lang),
        "group": _pick(theme.group.model_dump(), lang), "geometry": theme.geometry.value,
        "count": sum(v.get("elementos", 0) for v in per.values()),
        "updated": max(dates, default=None),
        "downloads": [{"label": f.label, "path": f"{theme.id}/cimrl.{f.extension}"}
                      for f in FORMATS.values()],
    }


def themes_index(stats: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    return [theme_summary(t, stats, lang) for t in get_registry() if t.exposure.downloads]


def _updates(theme: Theme, stats: dict[str, Any], areas: list[Area]) -> list[dict[str, Any]]:
    per = stats.get(theme.id, {}).get("municipios", {})
    rows = []
    for a in areas:
        if a.code != "cimrl":
            updated = per.get(a.code, {}).get("atualizado_em")
            rows.append({"dico": a.code, "nome": a.nome, "updated": updated,
                         "updated_text": when(updated),
                         "count": per.get(a.code, {}).get("elementos", 0)})
    return rows


def theme_detail(theme: Theme, stats: dict[str, Any], areas: list[Area], links: ServiceLinks,
                 lang: str, municipio: str | None = None) -> dict[str, Any]:
    """Everything the theme page shows."""
    attributes = [{**row, "title": _pick(row["title"], lang),
                   "description": _pick(row["description"], lang)}
                  for row in catalog.attribute_rows(theme)]
    lists = [{"name": cl.name, "attribute": cl.attribute,
              "values": [{"code": v["code"], "label": v[lang] or v["pt"]} for v in cl.values]}
             for cl in catalog.codelists(theme)]
    municipios = [(a.code, a.nome) for a in areas if a.code != "cimrl"
                  and (municipio is None or a.code == municipio)]
    matrix = catalog.download_matrix(theme, municipios)
    if municipio:
        matrix = [row for row in matrix if row["area"] == municipio]
    return {
        "summary": theme_summary(theme, stats, lang), "attributes": attributes, "codelists": lists,
        "updates": _updates(theme, stats, areas), "matrix": matrix,
        "lineage": stats.get(theme.id, {}).get("linhagem", []),
        "keywords": theme.keywords.get("en" if lang == "en" else "pt", []),
        "inspire": theme.inspire_theme,
        "services": {"collection": links.collection(theme.id), "ogcapi": links.ogcapi,
                     "wms": links.wms, "wmts": links.wmts,
                     "tiles": links.vector_tiles(theme.id)},
        "municipio": municipio,
    }
