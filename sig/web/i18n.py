"""Interface texts in pt-PT and English, and the choice of language for a request.

Portuguese unless the visitor chose English (`?lang=en`, remembered in a cookie); the browser's
Accept-Language is not used, so the default stays pt-PT. The web map receives the same texts.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

LANGUAGES = ("pt", "en")
COOKIE = "sig_lang"

TEXTS: dict[str, dict[str, str]] = {
    "site": {"pt": "SIG Intermunicipal da Região de Leiria",
             "en": "Intermunicipal GIS of the Leiria Region"},
    "site_short": {"pt": "SIG CIM Região de Leiria", "en": "Leiria Region GIS"},
    "nav_map": {"pt": "Mapa", "en": "Map"},
    "nav_data": {"pt": "Dados abertos", "en": "Open data"},
    "nav_indicators": {"pt": "Indicadores", "en": "Indicators"},
    "other_language": {"pt": "English", "en": "Português"},
    "licence": {"pt": "Licença", "en": "Licence"},
    "attribution": {"pt": "Atribuição", "en": "Attribution"},
    "contact": {"pt": "Contacto", "en": "Contact"},
    "layers": {"pt": "Camadas", "en": "Layers"},
    "legend": {"pt": "Legenda", "en": "Legend"},
    "opacity": {"pt": "Opacidade", "en": "Opacity"},
    "basemap": {"pt": "Mapa de base", "en": "Basemap"},
    "basemap_neutral": {"pt": "Neutro (limites CAOP)", "en": "Neutral (CAOP boundaries)"},
    "basemap_none": {"pt": "Sem mapa de base", "en": "No basemap"},
    "render_mode": {"pt": "Desenho das camadas", "en": "Layer drawing"},
    "render_vector": {"pt": "Vetorial (OGC API Tiles)", "en": "Vector (OGC API Tiles)"},
    "render_raster": {"pt": "Imagem (WMTS)", "en": "Image (WMTS)"},
    "municipality": {"pt": "Município", "en": "Municipality"},
    "freguesia": {"pt": "Freguesia", "en": "Parish"},
    "all_municipalities": {"pt": "Todos os municípios", "en": "All municipalities"},
    "all_freguesias": {"pt": "Todas as freguesias", "en": "All parishes"},
    "search": {"pt": "Pesquisar", "en": "Search"},
    "search_placeholder": {"pt": "Município, freguesia, equipamento ou «rua número»",
                           "en": "Municipality, parish, facility or “street number”"},
    "search_none": {"pt": "Sem resultados.", "en": "No results."},
    "measure_length": {"pt": "Medir distância", "en": "Measure distance"},
    "measure_area": {"pt": "Medir área", "en": "Measure area"},
    "measure_stop": {"pt": "Terminar medição", "en": "Stop measuring"},
    "geodesic": {"pt": "geodésica", "en": "geodesic"},
    "export_png": {"pt": "Exportar PNG", "en": "Export PNG"},
    "permalink": {"pt": "Ligação permanente", "en": "Permalink"},
    "permalink_copied": {"pt": "Ligação copiada.", "en": "Link copied."},
    "identify_none": {"pt": "Nenhum elemento neste local.", "en": "No feature here."},
    "close": {"pt": "Fechar", "en": "Close"},
    "qgis": {"pt": "Usar no QGIS", "en": "Use in QGIS"},
    "qgis_intro": {"pt": "Ligue o QGIS diretamente ao serviço ou transfira um projeto com todas "
                         "as camadas já configuradas.",
                   "en": "Connect QGIS to the service directly or download a project with every "
                         "layer already configured."},
    "qgis_project": {"pt": "Transferir projeto QGIS (.qgs)", "en": "Download QGIS project (.qgs)"},
    "coords": {"pt": "Coordenadas", "en": "Coordinates"},
    "scale": {"pt": "Escala", "en": "Scale"},
    "error_load": {"pt": "Não foi possível carregar", "en": "Could not load"},
    "error_generic": {"pt": "Ocorreu um erro. Tente novamente.",
                      "en": "Something went wrong. Please try again."},
    "features": {"pt": "elementos", "en": "features"},
    "features_title": {"pt": "Elementos", "en": "Features"},
    "download": {"pt": "Transferir", "en": "Download"},
    "downloads": {"pt": "Transferências", "en": "Downloads"},
    "themes": {"pt": "Temas", "en": "Themes"},
    "attributes": {"pt": "Atributos", "en": "Attributes"},
    "codelists": {"pt": "Listas de códigos", "en": "Code lists"},
    "name": {"pt": "Nome", "en": "Name"},
    "type": {"pt": "Tipo", "en": "Type"},
    "title": {"pt": "Título", "en": "Title"},
    "description": {"pt": "Descrição", "en": "Description"},
    "unit": {"pt": "Unidade", "en": "Unit"},
    "code": {"pt": "Código", "en": "Code"},
    "label": {"pt": "Designação", "en": "Label"},
    "updated": {"pt": "Última atualização", "en": "Last update"},
    "updates": {"pt": "Atualização por município", "en": "Update per municipality"},
    "lineage": {"pt": "Linhagem", "en": "Lineage"},
    "source": {"pt": "Fonte", "en": "Source"},
    "import_run": {"pt": "Execução de importação", "en": "Import run"},
    "services": {"pt": "Serviços", "en": "Services"},
    "area": {"pt": "Área", "en": "Area"},
    "crs": {"pt": "Sistema de coordenadas", "en": "Coordinate reference system"},
    "catalogue_dcat": {"pt": "Catálogo DCAT-AP", "en": "DCAT-AP catalogue"},
    "no_data": {"pt": "Sem dados.", "en": "No data."},
    "total": {"pt": "Total", "en": "Total"},
    "value": {"pt": "Valor", "en": "Value"},
    "csv_export": {"pt": "Exportar CSV", "en": "Export CSV"},
    "computed_at": {"pt": "Calculado em", "en": "Computed at"},
    "show": {"pt": "Mostrar", "en": "Show"},
    "table": {"pt": "Tabela", "en": "Table"},
    "chart": {"pt": "Gráfico", "en": "Chart"},
    "menu": {"pt": "Menu", "en": "Menu"},
    "zoom_in_to_see": {"pt": "Aproxime o mapa para ver esta camada",
                       "en": "Zoom in to see this layer"},
    "collection": {"pt": "Coleção OGC API", "en": "OGC API collection"},
    "vector_tiles": {"pt": "Teselas vetoriais", "en": "Vector tiles"},
}


def choose_language(request: HttpRequest) -> str:
    """`?lang=` first, then the cookie, then pt."""
    asked = request.GET.get("lang", "")
    if asked in LANGUAGES:
        return asked
    saved = request.COOKIES.get(COOKIE, "")
    return saved if saved in LANGUAGES else "pt"


def texts(lang: str) -> dict[str, str]:
    """Every interface text in one language."""
    return {key: values[lang] for key, values in TEXTS.items()}


def remember(request: HttpRequest, response: HttpResponse, lang: str) -> HttpResponse:
    """Keep an explicit choice for later pages (one year)."""
    if request.GET.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response
