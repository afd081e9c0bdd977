"""The schema of a theme file in `layers/*.yml`.

A theme declares everything the service derives: the table, the code lists, the style
and where the theme is exposed. Field names are English; data names are Portuguese.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENT = r"^[a-z][a-z0-9_]{0,40}$"
HEX_COLOUR = r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$"

# Columns every theme table has; an attribute may not reuse these names.
SYSTEM_COLUMNS = frozenset({
    "id", "municipio", "freguesia", "geom", "fonte", "fonte_id", "import_run",
    "row_version", "created_at", "created_by", "updated_at", "updated_by",
})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in pt-PT and English."""

    pt: str = Field(min_length=1)
    en: str = Field(min_length=1)


class GeometryType(StrEnum):
    POINT = "Point"
    MULTIPOINT = "MultiPoint"
    LINESTRING = "LineString"
    MULTILINESTRING = "MultiLineString"
    POLYGON = "Polygon"
    MULTIPOLYGON = "MultiPolygon"

    @property
    def family(self) -> str:
        return self.value.removeprefix("Multi").lower()

    @property
    def is_multi(self) -> bool:
        return self.value.startswith("Multi")


class AttributeType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    CODE = "code"


class Attribute(Strict):
    name: str = Field(pattern=IDENT)
    type: AttributeType
    title: Text
    description: Text | None = None
    required: bool = False
    codelist: str | None = None
    max_length: int | None = Field(default=None, gt=0, le=10000)
    unit: str | None = None
    min: float | None = None
    max: float | None = None

    @field_validator("name")
    @classmethod
    def _not_system(cls, name: str) -> str:
        if name in SYSTEM_COLUMNS:
            raise ValueError(f"'{name}' is a system column of every theme table")
        return name

    @model_validator(mode="after")
    def _codelist_for_codes(self) -> Attribute:
        if self.type is AttributeType.CODE and not self.codelist:
            raise ValueError(f"attribute '{self.name}' of type code needs a codelist")
        if self.type is not AttributeType.CODE and self.codelist:
            raise ValueError(f"attribute '{self.name}' has a codelist but type {self.type}")
        return self


class CodeValue(Strict):
    code: str = Field(min_length=1, max_length=60)
    label: Text


class CodeListFile(Strict):
    """A code list kept as a CSV file beside the registry (large national lists)."""

    file: str
    code_column: str = "codigo"
    label_column: str = "designacao"
    where: dict[str, str] = Field(default_factory=dict)


class Symbol(Strict):
    fill: str | None = Field(default=None, pattern=HEX_COLOUR)
    stroke: str | None = Field(default=None, pattern=HEX_COLOUR)
    stroke_width: float = Field(default=1.0, ge=0, le=20)
    opacity: float = Field(default=1.0, ge=0, le=1)
    marker: Literal["circle", "square", "triangle", "star", "cross"] = "circle"
    size: float = Field(default=8.0, gt=0, le=64)
    dash: list[float] | None = None


class Label(Strict):
    attribute: str
    min_zoom: int = Field(default=14, ge=0, le=24)
    colour: str = Field(default="#222222", pattern=HEX_COLOUR)
    size: float = Field(default=10.0, gt=0, le=48)


class Style(Strict):
    default: Symbol
    classify_by: str | None = None
    classes: dict[str, Symbol] = Field(default_factory=dict)
    label: Label | None = None


class TilesExposure(Strict):
    enabled: bool = True
    min_zoom: int = Field(default=6, ge=0, le=24)
    max_zoom: int = Field(default=18, ge=0, le=24)
    # Simplification tolerance in tile pixels (vector tiles and MapServer generalisation).
    simplify_px: float = Field(default=1.0, ge=0, le=16)

    @model_validator(mode="after")
    def _zoom_order(self) -> TilesExposure:
        if self.min_zoom > self.max_zoom:
            raise ValueError("min_zoom is greater than max_zoom")
        return self


class MapsExposure(Strict):
    enabled: bool = True
    # Scale denominators between which MapServer draws the layer (0: no limit).
    min_scale: float = Field(default=0, ge=0)
    max_scale: float = Field(default=0, ge=0)


class Exposure(Strict):
    ogcapi: bool = True
    tiles: TilesExposure = TilesExposure()
    maps: MapsExposure = MapsExposure()
    downloads: bool = True


class Theme(Strict):
    id: str = Field(pattern=IDENT)
    title: Text
    description: Text
    keywords: dict[Literal["pt", "en"], list[str]] = Field(default_factory=dict)
    group: Text
    inspire_theme: str | None = None
    geometry: GeometryType
    srid: Annotated[int, Field(gt=0)] = 3763
    attributes: list[Attribute] = Field(min_length=1)
    codelists: dict[str, list[CodeValue] | CodeListFile] = Field(default_factory=dict)
    style: Style
    exposure: Exposure = Exposure()

    @field_validator("srid")
    @classmethod
    def _storage_srid(cls, srid: int) -> int:
        if srid != 3763:
            raise ValueError(f"unknown or unsupported SRID {srid}: themes are stored in EPSG:3763")
        return srid

    @field_validator("attributes")
    @classmethod
    def _unique_names(cls, attributes: list[Attribute]) -> list[Attribute]:
        seen: set[str] = set()
        for attribute in attributes:
            if attribute.name in seen:
                raise ValueError(f"duplicate attribute '{attribute.name}'")
            seen.add(attribute.name)
        return attributes

    def attribute(self, name: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    @property
    def table(self) -> str:
        return self.id


def is_identifier(name: str) -> bool:
    return re.match(IDENT, name) is not None
