"""The MapServer mapfile: one layer per theme, classes per code-list value.

The database connection is the `sig_reader` entry of a PostgreSQL service file that the
service writes at run time (`PGSERVICEFILE` in the MapServer config file), so the mapfile
holds no deployment values.
"""

from __future__ import annotations

from sig.registry import Registry, Theme
from sig.registry.schema import Symbol

EXTENT_3763 = "-120000 -40000 -10000 60000"
KINDS = {"point": "POINT", "linestring": "LINE", "polygon": "POLYGON"}


def _rgb(colour: str) -> str:
    colour = colour.lstrip("#")
    return " ".join(str(int(colour[i:i + 2], 16)) for i in (0, 2, 4))


def _style(theme: Theme, symbol: Symbol, indent: str) -> list[str]:
    lines = [f"{indent}STYLE"]
    family = theme.geometry.family
    if family == "point":
        lines += [f'{indent}  SYMBOL "{symbol.marker}"', f"{indent}  SIZE {symbol.size:g}"]
    if symbol.fill and family != "linestring":
        lines.append(f"{indent}  COLOR {_rgb(symbol.fill)}")
        lines.append(f"{indent}  OPACITY {int(symbol.opacity * 100)}")
    if symbol.stroke:
        lines.append(f"{indent}  OUTLINECOLOR {_rgb(symbol.stroke)}" if family != "linestring"
                     else f"{indent}  COLOR {_rgb(symbol.stroke)}")
        lines.append(f"{indent}  WIDTH {symbol.stroke_width:g}")
    if symbol.dash:
        lines.append(f"{indent}  PATTERN {' '.join(f'{d:g}' for d in symbol.dash)} END")
    lines.append(f"{indent}END")
    return lines


def _classes(theme: Theme) -> list[str]:
    lines: list[str] = []
    style = theme.style
    attribute = style.classify_by
    for code, symbol in style.classes.items():
        lines += ["    CLASS", f'      NAME "{code}"',
                  f'      EXPRESSION ("[{attribute}]" = "{code}")']
        lines += _style(theme, symbol, "      ")
        lines.append("    END")
    lines += ["    CLASS", '      NAME "outros"']
    lines += _style(theme, style.default, "      ")
    lines.append("    END")
    return lines


def _layer(theme: Theme) -> list[str]:
    columns = ", ".join(["id", "municipio"] + [a.name for a in theme.attributes])
    maps = theme.exposure.maps
    lines = [
        "  LAYER",
        f'    NAME "{theme.id}"',
        f"    TYPE {KINDS[theme.geometry.family]}",
        "    STATUS ON",
        "    CONNECTIONTYPE POSTGIS",
        '    CONNECTION "service=sig_reader"',
        f'    DATA "geom FROM (SELECT {columns}, geom FROM public.{theme.table}) AS t '
        'USING UNIQUE id USING SRID=3763"',
        '    PROJECTION "init=epsg:3763" END',
        "    TEMPLATE \"ttt\"",
        "    METADATA",
        f'      "wms_title" "{theme.title.pt}"',
        '      "wms_include_items" "all"',
        '      "gml_include_items" "all"',
        "    END",
    ]
    if maps.min_scale:
        lines.append(f"    MINSCALEDENOM {maps.min_scale:g}")
    if maps.max_scale:
        lines.append(f"    MAXSCALEDENOM {maps.max_scale:g}")
    return lines + _classes(theme) + ["  END"]


SYMBOLS = """  SYMBOL NAME "circle" TYPE ELLIPSE FILLED TRUE POINTS 1 1 END END
  SYMBOL NAME "square" TYPE VECTOR FILLED TRUE POINTS 0 0 0 1 1 1 1 0 0 0 END END
  SYMBOL NAME "triangle" TYPE VECTOR FILLED TRUE POINTS 0 1 0.5 0 1 1 0 1 END END
  SYMBOL NAME "star" TYPE VECTOR FILLED TRUE
    POINTS 0 0.375 0.35 0.375 0.5 0 0.65 0.375 1 0.375 0.75 0.625 0.875 1 0.5 0.75
      0.125 1 0.25 0.625 0 0.375 END END
  SYMBOL NAME "cross" TYPE VECTOR FILLED TRUE
    POINTS 0.35 0 0.65 0 0.65 0.35 1 0.35 1 0.65 0.65 0.65 0.65 1 0.35 1 0.35 0.65 0 0.65
      0 0.35 0.35 0.35 0.35 0 END END"""


def render(registry: Registry) -> str:
    lines = [
        "# Generated from layers/*.yml by `sig derive`: do not edit by hand.",
        "MAP",
        '  NAME "sig"',
        f"  EXTENT {EXTENT_3763}",
        "  SIZE 256 256",
        "  MAXSIZE 4096",
        '  IMAGECOLOR 255 255 255',
        '  PROJECTION "init=epsg:3763" END',
        "  WEB",
        "    METADATA",
        '      "wms_title" "SIG Intermunicipal da Região de Leiria"',
        '      "wms_srs" "EPSG:3763 EPSG:3857 EPSG:4326"',
        '      "wms_enable_request" "*"',
        '      "wms_feature_info_mime_type" "application/json"',
        "    END",
        "  END",
        SYMBOLS,
    ]
    for theme in registry:
        if theme.exposure.maps.enabled:
            lines += _layer(theme)
    lines.append("END")
    return "\n".join(lines) + "\n"
