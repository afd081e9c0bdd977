"""One model per registry theme, built from `layers/*.yml` at start-up.

`makemigrations` turns a new or changed theme into a migration; `sig.core`'s version of that
command appends the row-level security, triggers and grants of every new theme table.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.functions import Now

from sig.registry import Attribute, AttributeType, Registry, Theme, get_registry
from sig.territory.models import Freguesia, Municipio

GEOMETRY_FIELDS = {
    "Point": models.PointField,
    "MultiPoint": models.MultiPointField,
    "LineString": models.LineStringField,
    "MultiLineString": models.MultiLineStringField,
    "Polygon": models.PolygonField,
    "MultiPolygon": models.MultiPolygonField,
}

THEME_MODELS: dict[str, type[models.Model]] = {}


def _attribute_field(theme: Theme, attribute: Attribute, registry: Registry) -> models.Field:
    common = {"verbose_name": attribute.title.pt, "null": not attribute.required}
    if attribute.description:
        common["help_text"] = attribute.description.pt
    kind = attribute.type
    if kind is AttributeType.CODE:
        codes = registry.codelist(theme.id, attribute.codelist or "")
        choices = [(value.code, value.label.pt) for value in codes]
        return models.CharField(max_length=60, choices=choices, **common)
    if kind is AttributeType.TEXT:
        if attribute.max_length:
            return models.CharField(max_length=attribute.max_length, **common)
        return models.TextField(**common)
    simple = {
        AttributeType.INTEGER: models.IntegerField,
        AttributeType.DECIMAL: models.FloatField,
        AttributeType.BOOLEAN: models.BooleanField,
        AttributeType.DATE: models.DateField,
        AttributeType.DATETIME: models.DateTimeField,
    }
    return simple[kind](**common)


def _constraints(theme: Theme, registry: Registry) -> list:
    constraints: list = []
    for attribute in theme.attributes:
        name = f"{theme.id}_{attribute.name}"
        if attribute.type is AttributeType.CODE:
            codes = registry.code_values(theme.id, attribute.name)
            constraints.append(
                models.CheckConstraint(condition=Q(**{f"{attribute.name}__in": codes}),
                                       name=f"{name}_codelist")
            )
        if attribute.min is not None:
            constraints.append(models.CheckConstraint(
                condition=Q(**{f"{attribute.name}__gte": attribute.min}), name=f"{name}_min"))
        if attribute.max is not None:
            constraints.append(models.CheckConstraint(
                condition=Q(**{f"{attribute.name}__lte": attribute.max}), name=f"{name}_max"))
    constraints.append(models.UniqueConstraint(
        fields=["municipio", "fonte", "fonte_id"], condition=Q(fonte_id__isnull=False),
        name=f"{theme.id}_source_key"))
    return constraints


def _system_fields(theme: Theme) -> dict[str, models.Field]:
    return {
        "id": models.BigAutoField(primary_key=True),
        # Indexed in Meta.indexes: one plain btree each (db_index would add a pattern-ops twin).
        # No foreign key constraint: the database rules check both sides set-based
        # (sig/core/sql/rules.sql t10_geom_*, references.sql).
        "municipio": models.ForeignKey(
            Municipio, on_delete=models.PROTECT, db_column="municipio", related_name="+",
            verbose_name="município", db_index=False, db_constraint=False),
        "freguesia": models.ForeignKey(
            Freguesia, on_delete=models.PROTECT, db_column="freguesia", related_name="+",
            null=True, blank=True, verbose_name="freguesia", db_index=False,
            db_constraint=False),
        "geom": GEOMETRY_FIELDS[theme.geometry.value](
            "geometria", srid=theme.srid, spatial_index=True),
        "fonte": models.CharField("fonte", max_length=200, null=True, blank=True),
        "fonte_id": models.CharField("identificador na fonte", max_length=200, null=True,
                                     blank=True),
        "import_run": models.BigIntegerField("importação", null=True, blank=True),
        "row_version": models.IntegerField("versão", db_default=1),
        "created_at": models.DateTimeField("criado em", db_default=Now()),
        "created_by": models.TextField("criado por", null=True, blank=True),
        "updated_at": models.DateTimeField("alterado em", db_default=Now()),
        "updated_by": models.TextField("alterado por", null=True, blank=True),
    }


def build_model(theme: Theme, registry: Registry) -> type[models.Model]:
    """The Django model of one theme table."""
    fields = _system_fields(theme)
    for attribute in theme.attributes:
        fields[attribute.name] = _attribute_field(theme, attribute, registry)
    meta = type("Meta", (), {
        "db_table": theme.table,
        "verbose_name": theme.title.pt,
        "verbose_name_plural": theme.title.pt,
        "constraints": _constraints(theme, registry),
        "indexes": [models.Index(fields=["municipio"], name=f"{theme.id}_municipio_idx"),
                    models.Index(fields=["freguesia"], name=f"{theme.id}_freguesia_idx")],
    })
    class_name = "".join(part.title() for part in theme.id.split("_"))
    attrs = {"__module__": __name__, "Meta": meta, "theme_id": theme.id, **fields}
    attrs["__str__"] = lambda self: f"{theme.id} {self.pk}"
    return type(class_name, (models.Model,), attrs)


def _register_all() -> None:
    registry = get_registry()
    for theme in registry:
        model = build_model(theme, registry)
        THEME_MODELS[theme.id] = model
        globals()[model.__name__] = model


_register_all()
