"""The collections served by the OGC API, described once from the layer registry.

Every theme is a collection (its table in EPSG:3763), plus `municipios` and `freguesias`.
A `Collection` says which columns are properties, their JSON types, the id column, the
temporal property, the municipality column and the tile zoom limits. Nothing here touches
the database or a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sig.registry import AttributeType, Registry, Theme, get_registry

JSON_TYPES = {
    AttributeType.TEXT: ("string", None),
    AttributeType.CODE: ("string", None),
    AttributeType.INTEGER: ("integer", None),
    AttributeType.DECIMAL: ("number", None),
    AttributeType.BOOLEAN: ("boolean", None),
    AttributeType.DATE: ("string", "date"),
    AttributeType.DATETIME: ("string", "date-time"),
}


@dataclass(frozen=True)
class Property:
    """One property of a collection's features (a column)."""

    name: str
    type: str  # JSON Schema type: string, integer, number, boolean
    title: dict[str, str]
    format: str | None = None  # date, date-time
    enum: tuple[str, ...] = ()
    description: dict[str, str] | None = None

    @property
    def is_temporal(self) -> bool:
        return self.format in ("date", "date-time")


@dataclass(frozen=True)
class TileLimits:
    min_zoom: int = 0
    max_zoom: int = 24
    simplify_px: float = 0.0


@dataclass(frozen=True)
class Collection:
    id: str
    table: str
    title: dict[str, str]
    description: dict[str, str]
    keywords: dict[str, list[str]]
    geometry_type: str
    id_column: str
    id_type: str  # integer or string
    municipio_column: str
    properties: tuple[Property, ...]
    temporal: str | None = None  # the property `datetime` filters on
    tiles: TileLimits | None = None
    versioned: bool = False  # rows carry row_version (item ETags)
    # A read-only view without change tracking: its state (ETag, count) comes from this query,
    # returning (version, features, changed_at); None for tracked tables (`sig.ogcapi.tracking`).
    state_sql: str | None = None
    theme: Theme | None = field(default=None, compare=False, repr=False)

    def get_property(self, name: str) -> Property:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(name)

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties)

    @property
    def geometry_family(self) -> str:
        return self.geometry_type.removeprefix("Multi").lower()


def _text(pt: str, en: str) -> dict[str, str]:
    return {"pt": pt, "en": en}


MUNICIPIO = Property("municipio", "string", _text("Município (DICO)", "Municipality (DICO)"))
FREGUESIA = Property("freguesia", "string", _text("Freguesia (DICOFRE)", "Parish (DICOFRE)"))
SYSTEM_PROPERTIES = (
    Property("fonte", "string", _text("Fonte", "Source")),
    Property("fonte_id", "string", _text("Identificador na fonte", "Identifier in the source")),
    Property("updated_at", "string", _text("Alterado em", "Updated at"), format="date-time"),
    Property("row_version", "integer", _text("Versão", "Version")),
)


def _attribute_property(theme: Theme, registry: Registry, index: int) -> Property:
    attribute = theme.attributes[index]
    kind, fmt = JSON_TYPES[attribute.type]
    enum: tuple[str, ...] = ()
    if attribute.type is AttributeType.CODE:
        enum = registry.code_values(theme.id, attribute.name)
    description = attribute.description.model_dump() if attribute.description else None
    return Property(attribute.name, kind, attribute.title.model_dump(), fmt, enum, description)


def theme_collection(theme: Theme, registry: Registry) -> Collection:
    attributes = tuple(_attribute_property(theme, registry, i)
                       for i in range(len(theme.attributes)))
    exposure = theme.exposure.tiles
    tiles = (TileLimits(exposure.min_zoom, exposure.max_zoom, exposure.simplify_px)
             if exposure.enabled else None)
    return Collection(
        id=theme.id, table=theme.table, title=theme.title.model_dump(),
        description=theme.description.model_dump(), keywords=dict(theme.keywords),
        geometry_type=theme.geometry.value, id_column="id", id_type="integer",
        municipio_column="municipio",
        properties=(MUNICIPIO, FREGUESIA, *attributes, *SYSTEM_PROPERTIES),
        temporal="updated_at", tiles=tiles, versioned=True, theme=theme,
    )


def territory_collections() -> tuple[Collection, ...]:
    nome = Property("nome", "string", _text("Nome", "Name"))
    fonte = Property("fonte", "string", _text("Fonte", "Source"))
    municipios = Collection(
        id="municipios", table="municipio", title=_text("Municípios", "Municipalities"),
        description=_text("Limites dos municípios servidos (DGT — CAOP)",
                          "Boundaries of the municipalities served (DGT — CAOP)"),
        keywords={"pt": ["CAOP", "municípios", "limites administrativos"],
                  "en": ["CAOP", "municipalities", "administrative units"]},
        geometry_type="MultiPolygon", id_column="dico", id_type="string",
        municipio_column="dico", properties=(nome, fonte), tiles=TileLimits(0, 18, 1.0),
    )
    freguesias = Collection(
        id="freguesias", table="freguesia", title=_text("Freguesias", "Parishes"),
        description=_text("Limites das freguesias (DGT — CAOP)", "Parish boundaries (DGT — CAOP)"),
        keywords={"pt": ["CAOP", "freguesias", "limites administrativos"],
                  "en": ["CAOP", "parishes", "administrative units"]},
        geometry_type="MultiPolygon", id_column="dicofre", id_type="string",
        municipio_column="municipio", properties=(nome, MUNICIPIO, fonte),
        tiles=TileLimits(6, 18, 1.0),
    )
    return municipios, freguesias


# The residents' occurrences (Linha Verde), read-only, from the view `ocorrencia_dados`
# (`sig.ocorrencias`, migration 0002): public columns only, never contacts, tokens or photos.
OCORRENCIAS_STATE_SQL = (
    "SELECT abs(hashtextextended(concat_ws('|', count(*), max(atualizada_em), "
    "(SELECT max(id) FROM public.ocorrencia_historico_publico)), 0)), count(*), "
    "coalesce(max(atualizada_em), 'epoch'::timestamptz) FROM public.ocorrencia_dados")


def _string(name: str, pt: str, en: str) -> Property:
    return Property(name, "string", _text(pt, en))


def _when(name: str, pt: str, en: str) -> Property:
    return Property(name, "string", _text(pt, en), format="date-time")


def ocorrencias_collection() -> Collection:
    text = _string
    properties = (
        text("codigo", "Código", "Code"), text("categoria", "Categoria", "Category"),
        MUNICIPIO, FREGUESIA,
        Property("estado", "string", _text("Estado", "State"), enum=(
            "nova", "em_analise", "em_resolucao", "resolvida", "rejeitada", "duplicada")),
        text("descricao", "Descrição", "Description"), text("morada", "Morada", "Address"),
        text("servico", "Serviço responsável", "Responsible service"),
        text("duplicada_de", "Duplicada de", "Duplicate of"),
        _when("criada_em", "Registada em", "Reported at"),
        _when("atualizada_em", "Alterada em", "Updated at"),
        _when("fechada_em", "Fechada em", "Closed at"), _when("prazo", "Prazo", "Target date"),
        Property("atrasada", "boolean", _text("Atrasada", "Overdue")),
        text("resposta", "Última resposta pública", "Latest public reply"),
    )
    return Collection(
        id="ocorrencias", table="ocorrencia_dados",
        title=_text("Ocorrências (Linha Verde)", "Occurrences (Linha Verde)"),
        description=_text(
            "Ocorrências reportadas pelos munícipes na via e no espaço público, com o estado da "
            "resolução (sem dados pessoais)",
            "Occurrences reported by residents in streets and public spaces, with their "
            "resolution state (no personal data)"),
        keywords={"pt": ["ocorrências", "Linha Verde", "espaço público"],
                  "en": ["occurrences", "Linha Verde", "public space"]},
        geometry_type="Point", id_column="codigo", id_type="string",
        municipio_column="municipio", properties=properties, temporal="criada_em",
        state_sql=OCORRENCIAS_STATE_SQL,
    )


def build_collections(registry: Registry) -> dict[str, Collection]:
    """Territory collections first, then every theme exposed through the OGC API, then the
    occurrences."""
    collections = {c.id: c for c in territory_collections()}
    for theme in registry:
        if theme.exposure.ogcapi:
            collections[theme.id] = theme_collection(theme, registry)
    collections["ocorrencias"] = ocorrencias_collection()
    return collections


@lru_cache(maxsize=1)
def get_collections() -> dict[str, Collection]:
    """The collections of the process-wide registry."""
    return build_collections(get_registry())
