"""The writes of the editing API in the OpenAPI document (OGC API Features Part 4).

POST on a theme's items, PUT, PATCH (merge patch) and DELETE on one item, with request bodies
derived from the registry's attributes (types, code lists, lengths, limits, required), the
headers the API reads (Content-Crs, If-Match), the error responses and the security schemes.
The rule for lost updates is the editing API's (`sig.editing.api`).
"""

from __future__ import annotations

from sig.ogcapi.crs import crs_uris
from sig.registry import Attribute, AttributeType, Theme, get_registry

REF = "#/components/"
GEOJSON = "application/geo+json"
MERGE_PATCH = "application/merge-patch+json"

SECURITY_SCHEMES = {
    "basic": {"type": "http", "scheme": "basic",
              "description": "Utilizador e palavra-passe do serviço (ou um token como "
                             "palavra-passe); só por HTTPS em produção"},
    "token": {"type": "http", "scheme": "bearer",
              "description": "Token de API (`sig token`), como `Bearer` ou `Token`"},
}
SECURITY = [{"basic": []}, {"token": []}]

HEADERS = {
    "Content-Crs": {"name": "Content-Crs", "in": "header", "required": False,
                    "description": "Sistema de coordenadas da geometria enviada (omissão: CRS84)",
                    "schema": {"type": "string", "enum": [f"<{u}>" for u in crs_uris()]}},
    "If-Match": {"name": "If-Match", "in": "header", "required": False,
                 "description": "ETag da versão lida; sem ele, PUT verifica row_version, PATCH "
                                "altera só o que envia e DELETE elimina a versão atual",
                 "schema": {"type": "string"}},
}

FAMILY_TYPES = {"point": ["Point", "MultiPoint"],
                "linestring": ["LineString", "MultiLineString"],
                "polygon": ["Polygon", "MultiPolygon"]}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"{REF}{kind}/{name}"}


def _attribute_schema(attribute: Attribute, theme: Theme) -> dict:
    kind = attribute.type
    schema: dict = {"nullable": not attribute.required,
                    "description": attribute.title.pt}
    if kind is AttributeType.CODE:
        values = get_registry().code_values(theme.id, attribute.name)
        schema.update(type="string", enum=list(values))
    elif kind is AttributeType.TEXT:
        schema.update(type="string")
        if attribute.max_length:
            schema["maxLength"] = attribute.max_length
    elif kind in (AttributeType.INTEGER, AttributeType.DECIMAL):
        schema["type"] = "integer" if kind is AttributeType.INTEGER else "number"
        schema.update({k: v for k, v in (("minimum", attribute.min), ("maximum", attribute.max))
                       if v is not None})
    elif kind is AttributeType.BOOLEAN:
        schema["type"] = "boolean"
    else:
        schema.update(type="string",
                      format="date" if kind is AttributeType.DATE else "date-time")
    return schema


def _properties_schema(theme: Theme, partial: bool) -> dict:
    properties = {a.name: _attribute_schema(a, theme) for a in theme.attributes}
    properties["municipio"] = {"type": "string", "pattern": r"^\d{4}$",
                               "description": "Código DICO (omissão: o da geometria)"}
    properties["row_version"] = {"type": "integer", "minimum": 1,
                                 "description": "Versão lida: um PUT ou PATCH que a traga é "
                                                "recusado (412) se o elemento mudou"}
    schema: dict = {"type": "object", "properties": properties}
    required = [a.name for a in theme.attributes if a.required]
    if required and not partial:
        schema["required"] = required
    return schema


def _geometry_schema(theme: Theme) -> dict:
    return {"type": "object", "required": ["type", "coordinates"], "properties": {
        "type": {"type": "string", "enum": FAMILY_TYPES[theme.geometry.family]},
        "coordinates": {"type": "array", "minItems": 1}}}


def feature_schema(theme: Theme, partial: bool = False) -> dict:
    """The request body of a POST or PUT (whole feature), or of a PATCH (`partial`)."""
    schema = {"type": "object", "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "geometry": _geometry_schema(theme),
        "properties": _properties_schema(theme, partial)}}
    if not partial:
        schema["required"] = ["type", "geometry", "properties"]
    return schema


def _errors(*codes: str) -> dict:
    names = {"400": "InvalidParameter", "401": "Unauthorized", "403": "Forbidden",
             "404": "NotFound", "409": "Conflict", "412": "PreconditionFailed",
             "413": "TooLarge", "415": "UnsupportedType", "422": "Unprocessable",
             "428": "PreconditionRequired", "429": "TooMany", "500": "ServerError",
             "503": "Unavailable"}
    return {code: _ref("responses", names[code]) for code in codes}


COMMON_ERRORS = ("400", "401", "403", "413", "415", "422", "429", "500", "503")
FEATURE = {"description": "O elemento gravado",
           "headers": {"ETag": {"schema": {"type": "string"}},
                       "Content-Crs": {"schema": {"type": "string"}}},
           "content": {GEOJSON: {"schema": _ref("schemas", "featureGeoJSON")}}}


def _operation(summary: str, operation: str, tags: list[str], parameters: list,
               responses: dict, body: dict | None = None) -> dict:
    spec = {"summary": summary, "operationId": operation, "tags": tags,
            "parameters": parameters, "responses": responses, "security": SECURITY}
    if body is not None:
        spec["requestBody"] = {"required": True, "content": body}
    return spec


def item_writes(theme: Theme, tags: list[str], feature_id: dict) -> dict:
    """PUT, PATCH and DELETE of one feature."""
    cid, headers = theme.id, [HEADERS["Content-Crs"], HEADERS["If-Match"]]
    whole = {GEOJSON: {"schema": feature_schema(theme)}}
    patch = {MERGE_PATCH: {"schema": feature_schema(theme, partial=True)},
             GEOJSON: {"schema": feature_schema(theme, partial=True)}}
    deleted = {"204": {"description": "Eliminado (fica no histórico)"}}
    return {
        "put": _operation("Substituir um elemento", f"replace_{cid}", tags,
                          [feature_id, *headers], {"200": FEATURE, **_errors(
                              *COMMON_ERRORS, "404", "409", "412", "428")}, whole),
        "patch": _operation("Alterar parte de um elemento (merge patch)", f"update_{cid}", tags,
                            [feature_id, *headers], {"200": FEATURE, **_errors(
                                *COMMON_ERRORS, "404", "409", "412")}, patch),
        "delete": _operation("Eliminar um elemento", f"delete_{cid}", tags,
                             [feature_id, HEADERS["If-Match"]], {**deleted, **_errors(
                                 "400", "401", "403", "404", "412", "429", "500", "503")}),
    }


def items_writes(theme: Theme, tags: list[str]) -> dict:
    """POST of a new feature."""
    created = dict(FEATURE, description="Criado; Location indica o endereço")
    created["headers"] = dict(FEATURE["headers"], Location={"schema": {"type": "string"}})
    return {"post": _operation("Criar um elemento", f"create_{theme.id}", tags,
                               [HEADERS["Content-Crs"]],
                               {"201": created, **_errors(*COMMON_ERRORS, "409")},
                               {GEOJSON: {"schema": feature_schema(theme)}})}
