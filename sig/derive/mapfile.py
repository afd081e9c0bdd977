"""The MapServer mapfile: a neutral basemap, one layer per theme, classes per code-list value,
and the residents' occurrences by state.

Every theme is drawn from PostGIS as `sig_reader`, styled from the registry: one class per
code of the classifying attribute (named with its pt-PT label, so GetLegendGraphic reads
well), labels from the registry's label attribute shown from its zoom level on, and the
theme's scale range. The database connection is the `sig_reader` entry of a PostgreSQL
service file written at run time (`PGSERVICEFILE`), so the mapfile holds no deployment values.
"""

from __future__ import annotations

from sig.maps.vocabulary import (
    BASEMAP_GROUP,
    BOUNDARIES_GROUP,
    LAYER_ATTRIBUTE,
    OCCURRENCES_LAYER,
    map_head,
)
from sig.ocorrencias.public import STATE_COLOURS, STATE_LABELS
from sig.registry import Registry, Theme
from sig.registry.schema import Label, Symbol
from sig.symbology import StyleClass, style_classes
from sig.symbology import zoom_scale as exact_zoom_scale

KINDS = {"point": "POINT", "linestring": "LINE", "polygon": "POLYGON"}
CONNECTION = ['    CONNECTIONTYPE POSTGIS', '    CONNECTION "service=sig_reader"',
              '    PROCESSING "CLOSE_CONNECTION=DEFER"']
# Pixel tolerance of GetFeatureInfo on points and lines.
INFO_TOLERANCE_PX = 6


def q(text: str) -> str:
    """A mapfile string literal."""
    if '"' not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "\u2019") + "'"


def zoom_scale(zoom: float) -> float:
    """Scale denominator at a Web Mercator zoom level (rounded up to let that level show)."""
    return round(exact_zoom_scale(zoom) * 1.001, 1)


def _style(family: str, symbol: Symbol, indent: str) -> list[str]:
    lines = [f"{indent}STYLE"]
    if family == "point":
        lines += [f'{indent}  SYMBOL "{symbol.marker}"', f"{indent}  SIZE {symbol.size:g}"]
    if symbol.fill and family != "linestring":
        lines.append(f"{indent}  COLOR {q(symbol.fill)}")
    if symbol.stroke:
        keyword = "COLOR" if family == "linestring" else "OUTLINECOLOR"
        lines += [f"{indent}  {keyword} {q(symbol.stroke)}",
                  f"{indent}  WIDTH {symbol.stroke_width:g}"]
    if symbol.opacity < 1:
        lines.append(f"{indent}  OPACITY {round(symbol.opacity * 100)}")
    if symbol.dash:
        lines.append(f"{indent}  PATTERN {' '.join(f'{d:g}' for d in symbol.dash)} END")
    if family == "linestring":
        lines += [f"{indent}  LINECAP ROUND", f"{indent}  LINEJOIN ROUND"]
    return lines + [f"{indent}END"]


def _label(family: str, label: Label, indent: str) -> list[str]:
    position = {"point": "AUTO", "linestring": "CC", "polygon": "CC"}[family]
    lines = [f"{indent}LABEL", f'{indent}  TEXT "[{label.attribute}]"', f'{indent}  FONT "sans"',
             f"{indent}  SIZE {label.size:g}", f"{indent}  COLOR {q(label.colour)}",
             f'{indent}  OUTLINECOLOR "#ffffff"', f"{indent}  OUTLINEWIDTH 2",
             f"{indent}  POSITION {position}", f"{indent}  PARTIALS FALSE",
             f"{indent}  BUFFER 2", f"{indent}  MAXSCALEDENOM {zoom_scale(label.min_zoom):g}"]
    if family == "linestring":
        lines += [f"{indent}  ANGLE FOLLOW", f"{indent}  MINFEATURESIZE AUTO"]
    if family == "point":
        lines.append(f"{indent}  OFFSET 0 -8")
    return lines + [f"{indent}END"]


def _class(theme: Theme, style_class: StyleClass) -> list[str]:
    """A CLASS; MapServer draws the first matching class, so the default one needs no test."""
    family = theme.geometry.family
    lines = ["    CLASS", f"      NAME {q(style_class.label['pt'])}"]
    if not style_class.is_default:
        code = q(style_class.code or "")
        lines.append(f'      EXPRESSION ("[{style_class.attribute}]" = {code})')
    lines += _style(family, style_class.symbol, "      ")
    if theme.style.label:
        lines += _label(family, theme.style.label, "      ")
    return lines + ["    END"]


def _classes(registry: Registry, theme: Theme) -> list[str]:
    return [line for c in style_classes(registry, theme) for line in _class(theme, c)]


def _data(columns: list[str], table: str) -> str:
    select = ", ".join(columns)
    return f'    DATA "geom FROM (SELECT {select}, geom FROM public.{table}) AS t ' \
        'USING UNIQUE id USING SRID=3763"'


def _metadata(title: str, abstract: str = "") -> list[str]:
    lines = ["    METADATA", f'      "wms_title" {q(title)}']
    if abstract:
        lines.append(f'      "wms_abstract" {q(abstract)}')
    return lines + ['      "wms_include_items" "all"', '      "gml_include_items" "all"',
                    '      "gml_types" "auto"', "    END"]


def _theme_layer(registry: Registry, theme: Theme) -> list[str]:
    columns = ["id", f"'{theme.id}'::text AS {LAYER_ATTRIBUTE}", "municipio", "freguesia"]
    columns += [a.name for a in theme.attributes]
    maps = theme.exposure.maps
    lines = ["  LAYER", f'    NAME "{theme.id}"', f"    TYPE {KINDS[theme.geometry.family]}",
             "    STATUS ON", *CONNECTION, _data(columns, theme.table),
             '    PROJECTION "init=epsg:3763" END', '    TEMPLATE "consulta"']
    if theme.geometry.family != "polygon":
        lines.append(f"    TOLERANCE {INFO_TOLERANCE_PX} TOLERANCEUNITS PIXELS")
    lines += _metadata(theme.title.pt, theme.description.pt)
    if maps.min_scale:
        lines.append(f"    MINSCALEDENOM {maps.min_scale:g}")
    if maps.max_scale:
        lines.append(f"    MAXSCALEDENOM {maps.max_scale:g}")
    return lines + _classes(registry, theme) + ["  END"]


def _occurrences_layer() -> list[str]:
    """The residents' occurrences from their open-data view (public columns only), one class
    per state in the web map's colours."""
    columns = ["id", f"'{OCCURRENCES_LAYER}'::text AS {LAYER_ATTRIBUTE}", "codigo", "categoria",
               "municipio", "freguesia", "estado", "criada_em"]
    lines = ["  LAYER", f'    NAME "{OCCURRENCES_LAYER}"', "    TYPE POINT", "    STATUS ON",
             *CONNECTION, _data(columns, "ocorrencia_dados"), '    PROJECTION "init=epsg:3763" END',
             '    TEMPLATE "consulta"', f"    TOLERANCE {INFO_TOLERANCE_PX} TOLERANCEUNITS PIXELS",
             *_metadata("Ocorrências (Linha Verde)",
                        "Ocorrências reportadas pelos munícipes, pelo estado da resolução")]
    for state, colour in STATE_COLOURS.items():
        lines += ["    CLASS", f"      NAME {q(STATE_LABELS[state]['pt'])}",
                  f'      EXPRESSION ("[estado]" = "{state}")',
                  f'      STYLE SYMBOL "circle" SIZE 10 COLOR "{colour}" OUTLINECOLOR "#ffffff" '
                  "WIDTH 1.5 END", "    END"]
    return lines + ["  END"]


def _base_layer(name: str, group: str, kind: str, source: tuple[str, str, str],
                title: str, geometry: str = "geom") -> str:
    """The head of a basemap layer; `source` is (columns, table, unique key)."""
    columns, table, key = source
    data = f"geom FROM (SELECT {columns}, {geometry} AS geom FROM public.{table}) AS t " \
        f"USING UNIQUE {key} USING SRID=3763"
    return "\n".join(["  LAYER", f'    NAME "{name}"', f'    GROUP "{group}"', f"    TYPE {kind}",
                      "    STATUS ON", *CONNECTION, f'    DATA "{data}"',
                      '    PROJECTION "init=epsg:3763" END',
                      f'    METADATA "wms_title" {q(title)} END'])


def _road_label(size: float, max_scale: int) -> str:
    return f"""      LABEL
        TEXT "[nome]" FONT "sans" SIZE {size:g} COLOR "#4d4d4d" OUTLINECOLOR "#ffffff"
        OUTLINEWIDTH 2 ANGLE FOLLOW MINFEATURESIZE AUTO PARTIALS FALSE MAXSCALEDENOM {max_scale}
      END"""


# The basemap: land of the municipalities, roads, and the administrative boundaries with names.
BASEMAP = "\n".join([
    _base_layer("base_territorio", BASEMAP_GROUP, "POLYGON", ("dico, nome", "municipio", "dico"),
                "Território dos municípios"),
    """    CLASS
      NAME "Território"
      STYLE COLOR "#f4f1ea" END
    END
  END""",
    _base_layer("base_rede_viaria", BASEMAP_GROUP, "LINE",
                ("id, classificacao, nome", "rede_viaria", "id"), "Rede viária"),
    f"""    CLASSITEM "classificacao"
    CLASS
      NAME "Estradas nacionais e regionais"
      EXPRESSION /^(EN|ER)$/
      STYLE COLOR "#b8b2a6" WIDTH 4 LINECAP ROUND END
      STYLE COLOR "#fff3c4" WIDTH 2.5 LINECAP ROUND END
{_road_label(7, 25000)}
    END
    CLASS
      NAME "Estradas e caminhos municipais"
      EXPRESSION /^(EM|CM)$/
      MAXSCALEDENOM 250000
      STYLE COLOR "#c9c3b8" WIDTH 3 LINECAP ROUND END
      STYLE COLOR "#ffffff" WIDTH 1.8 LINECAP ROUND END
{_road_label(7, 15000)}
    END
    CLASS
      NAME "Arruamentos e caminhos"
      MAXSCALEDENOM 60000
      STYLE COLOR "#d9d4ca" WIDTH 1.2 LINECAP ROUND END
{_road_label(6.5, 8000)}
    END
  END""",
    _base_layer("limites_freguesias", BOUNDARIES_GROUP, "POLYGON",
                ("dicofre, nome", "freguesia", "dicofre"), "Freguesias"),
    """    MAXSCALEDENOM 600000
    CLASS
      NAME "Limite de freguesia"
      STYLE OUTLINECOLOR "#9e9ac8" WIDTH 0.8 PATTERN 4 2 END END
    END
  END""",
    _base_layer("limites_municipios", BOUNDARIES_GROUP, "POLYGON",
                ("dico, nome", "municipio", "dico"), "Municípios"),
    """    CLASS
      NAME "Limite de município"
      STYLE OUTLINECOLOR "#54278f" WIDTH 1.6 END
    END
  END""",
    # Names at one point per area (computed in PostGIS, so every metatile places them alike).
    _base_layer("nomes_freguesias", BOUNDARIES_GROUP, "POINT",
                ("dicofre, nome", "freguesia", "dicofre"), "Nomes das freguesias",
                "ST_PointOnSurface(geom)"),
    """    MAXSCALEDENOM 80000
    CLASS
      NAME "Freguesia"
      LABEL
        TEXT "[nome]" FONT "sans" SIZE 7.5 COLOR "#54278f" OUTLINECOLOR "#ffffff"
        OUTLINEWIDTH 2 POSITION CC PARTIALS FALSE MAXLENGTH 18 ALIGN CENTER
      END
    END
  END""",
    _base_layer("nomes_municipios", BOUNDARIES_GROUP, "POINT",
                ("dico, nome", "municipio", "dico"), "Nomes dos municípios",
                "ST_PointOnSurface(geom)"),
    """    MINSCALEDENOM 60000
    MAXSCALEDENOM 2000000
    CLASS
      NAME "Município"
      LABEL
        TEXT "[nome]" FONT "sans-bold" SIZE 9 COLOR "#3f007d" OUTLINECOLOR "#ffffff"
        OUTLINEWIDTH 2 POSITION CC PARTIALS FALSE PRIORITY 10
      END
    END
  END""",
])

SYMBOLS = """  SYMBOL NAME "circle" TYPE ELLIPSE FILLED TRUE POINTS 1 1 END END
  SYMBOL NAME "square" TYPE VECTOR FILLED TRUE POINTS 0 0 0 1 1 1 1 0 0 0 END END
  SYMBOL NAME "triangle" TYPE VECTOR FILLED TRUE POINTS 0 1 0.5 0 1 1 0 1 END END
  SYMBOL NAME "star" TYPE VECTOR FILLED TRUE
    POINTS 0 0.375 0.35 0.375 0.5 0 0.65 0.375 1 0.375 0.75 0.625 0.875 1 0.5 0.75
      0.125 1 0.25 0.625 0 0.375 END END
  SYMBOL NAME "cross" TYPE VECTOR FILLED TRUE
    POINTS 0.35 0 0.65 0 0.65 0.35 1 0.35 1 0.65 0.65 0.65 0.65 1 0.35 1 0.35 0.65 0 0.65
      0 0.35 0.35 0.35 0.35 0 END END"""

HEAD = map_head("sig", "#e8ecef", "fonts.txt") + f"""
  OUTPUTFORMAT
    NAME "geojson"
    DRIVER "OGR/GEOJSON"
    MIMETYPE "application/json"
    FORMATOPTION "STORAGE=stream"
    FORMATOPTION "FORM=SIMPLE"
    FORMATOPTION "LCO:RFC7946=YES"
  END
  WEB
    METADATA
      "wms_title" "SIG Intermunicipal da Região de Leiria"
      "wms_srs" "EPSG:3763 EPSG:3857 EPSG:4326 EPSG:4258"
      "wms_enable_request" "GetCapabilities GetMap GetFeatureInfo GetLegendGraphic"
      "wms_getfeatureinfo_formatlist" "application/json,text/plain"
      "wms_feature_info_mime_type" "application/json"
      "wms_encoding" "UTF-8"
    END
  END
  LEGEND
    KEYSIZE 18 12
    KEYSPACING 5 4
    LABEL FONT "sans" SIZE 8 COLOR "#222222" END
  END
{SYMBOLS}"""


def render(registry: Registry) -> str:
    lines = ["# Generated from layers/*.yml by `sig derive`: do not edit by hand.", HEAD, BASEMAP]
    for theme in registry:
        if theme.exposure.maps.enabled:
            lines += _theme_layer(registry, theme)
    lines += _occurrences_layer()
    lines.append("END")
    return "\n".join(lines) + "\n"
