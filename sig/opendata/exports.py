"""What a download contains: the columns of a theme, the formats, and a checked request.

Every SQL fragment here is built from registry identifiers, which the registry schema limits
to `[a-z][a-z0-9_]*`; values always travel as query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from sig.conf import get_settings
from sig.crs import STORAGE_SRID, authority_code
from sig.registry import AttributeType, Theme, get_registry

SRIDS = (3763, 4326)
AREA_ALL = "cimrl"
# Coordinate decimals: centimetres in PT-TM06, ~1 cm in degrees.
DECIMALS = {3763: 2, 4326: 7}


class DownloadError(ValueError):
    """A download request that cannot be served; the message is for people (pt-PT)."""


@dataclass(frozen=True)
class Column:
    """One exported attribute: output name, SQL expression, kind and title."""

    name: str
    sql: str
    kind: str  # text, integer, decimal, boolean, date, datetime
    title_pt: str
    title_en: str


@dataclass(frozen=True)
class Format:
    """A download format."""

    key: str
    extension: str
    media_type: str
    label: str
    # EU Publications Office file-type authority (DCAT-AP dct:format).
    eu_file_type: str

    @property
    def eu_uri(self) -> str:
        return f"http://publications.europa.eu/resource/authority/file-type/{self.eu_file_type}"


FORMATS: dict[str, Format] = {f.key: f for f in (
    Format("gpkg", "gpkg", "application/geopackage+sqlite3", "GeoPackage", "GPKG"),
    Format("geojson", "geojson", "application/geo+json", "GeoJSON", "GEOJSON"),
    Format("csv", "csv", "text/csv", "CSV (WKT, lat/lon)", "CSV"),
    Format("shp", "shp.zip", "application/zip", "Shapefile (ZIP)", "SHP"),
)}

FORMAT_BY_EXTENSION = {f.extension: f.key for f in FORMATS.values()}

_KINDS = {
    AttributeType.TEXT: "text", AttributeType.CODE: "text", AttributeType.INTEGER: "integer",
    AttributeType.DECIMAL: "decimal", AttributeType.BOOLEAN: "boolean",
    AttributeType.DATE: "date", AttributeType.DATETIME: "datetime",
}


def columns(theme: Theme) -> list[Column]:
    """The exported columns of a theme, in order (geometry apart)."""
    cols = [
        Column("id", "t.id", "integer", "Identificador", "Identifier"),
        Column("municipio", "t.municipio", "text", "Município (DICO)", "Municipality (DICO)"),
        Column("freguesia", "t.freguesia", "text", "Freguesia (DICOFRE)", "Parish (DICOFRE)"),
    ]
    for a in theme.attributes:
        cols.append(Column(a.name, f't."{a.name}"', _KINDS[a.type], a.title.pt, a.title.en))
    cols += [
        Column("fonte", "t.fonte", "text", "Fonte", "Source"),
        Column("fonte_id", "t.fonte_id", "text", "Identificador na fonte", "Identifier at source"),
        Column("atualizado_em", "t.updated_at", "datetime", "Atualizado em", "Updated at"),
    ]
    return cols


@dataclass(frozen=True)
class Download:
    """A checked download request: theme, area (a DICO or all), CRS and format."""

    theme: Theme
    area: str
    srid: int
    format: Format

    @property
    def dico(self) -> str | None:
        return None if self.area == AREA_ALL else self.area

    @property
    def filename(self) -> str:
        return f"{self.theme.id}_{self.area}_{self.srid}.{self.format.extension}"

    @property
    def layer_name(self) -> str:
        return self.theme.id if self.dico is None else f"{self.theme.id}_{self.dico}"

    def geometry_sql(self) -> str:
        return "t.geom" if self.srid == 3763 else f"ST_Transform(t.geom, {int(self.srid)})"

    def where_sql(self) -> tuple[str, tuple]:
        if self.dico is None:
            return "", ()
        return "WHERE t.municipio = %s", (self.dico,)

    def from_sql(self) -> str:
        return f'FROM public."{self.theme.table}" t'


def parse_download(theme_id: str, area: str, fmt: str, crs: str | None) -> Download:
    """Check a request against the registry and the served municipalities (pt-PT errors)."""
    registry = get_registry()
    if theme_id not in registry or not registry[theme_id].exposure.downloads:
        raise DownloadError(f"tema desconhecido ou sem transferência: {theme_id}")
    if area != AREA_ALL and area not in get_settings().municipios:
        raise DownloadError(f"município desconhecido: {area} (use um código DICO servido "
                            f"ou '{AREA_ALL}')")
    if fmt not in FORMATS:
        raise DownloadError(f"formato desconhecido: {fmt} (formatos: {', '.join(FORMATS)})")
    srid = parse_srid(crs)
    return Download(registry[theme_id], area, srid, FORMATS[fmt])


def parse_srid(crs: str | None) -> int:
    """`3763`, or any name `sig.crs` reads (`EPSG:4326`, an OGC CRS URI…); PT-TM06 when
    absent."""
    if not crs:
        return STORAGE_SRID
    code = authority_code(crs) or ""
    srid = int(code[5:]) if code.startswith("EPSG:") else 0
    if srid not in SRIDS:
        raise DownloadError(f"sistema de coordenadas não suportado: {crs} "
                            f"(use {' ou '.join(f'EPSG:{s}' for s in SRIDS)})")
    return srid
