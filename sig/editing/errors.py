"""Editing errors and how the database's refusals become them.

The database is the authority: its reason (pt-PT message, detail with the location of an invalid
geometry, hint with the editable municipalities) reaches the person unchanged; the service's own
wording around it follows the request's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from sig.http import ApiError

# SQLSTATE → (HTTP status, OGC exception code). SG* are raised by the project's triggers.
SQLSTATE_STATUS: dict[str, tuple[int, str]] = {
    "42501": (403, "Forbidden"),
    "SG001": (400, "InvalidGeometry"),
    "SG002": (422, "InvalidGeometry"),
    "SG003": (422, "InvalidParameterValue"),
    "SG004": (422, "OutsideMunicipality"),
    "SG404": (404, "NotFound"),
    "SG409": (409, "Conflict"),
    "SG412": (412, "PreconditionFailed"),
    "23502": (422, "MissingParameterValue"),
    "23503": (422, "InvalidParameterValue"),
    "23505": (409, "Conflict"),
    "23514": (422, "InvalidParameterValue"),
    "22001": (422, "InvalidParameterValue"),
    "22003": (422, "InvalidParameterValue"),
    "22007": (400, "InvalidParameterValue"),
    "22008": (400, "InvalidParameterValue"),
    "22P02": (400, "InvalidParameterValue"),
    "XX000": (422, "InvalidGeometry"),
}

CONSTRAINT_MESSAGES = {
    "codelist": gettext_lazy("o valor de %(attr)s não pertence à lista de códigos"),
    "min": gettext_lazy("o valor de %(attr)s está abaixo do mínimo"),
    "max": gettext_lazy("o valor de %(attr)s está acima do máximo"),
}


@dataclass
class FieldProblem:
    """One problem with one input field."""

    field: str
    message: str

    def as_json(self) -> dict:
        return {"campo": self.field, "mensagem": self.message}


class EditingError(ApiError):
    """A refused edit: an `ApiError` with the database's diagnostics and the problems of each
    field, rendered in the editing API's exception document."""

    code = "InvalidParameterValue"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 detail: str = "", hint: str = "", sqlstate: str = "",
                 problems: list[FieldProblem] | None = None):
        super().__init__(message, status=status, code=code)
        self.detail, self.hint, self.sqlstate = detail, hint, sqlstate
        self.problems = problems or []

    def as_json(self) -> dict:
        body = {"code": self.code, "type": self.code, "status": self.status,
                "description": self.message}
        for key, value in (("detail", self.detail), ("hint", self.hint),
                           ("sqlstate", self.sqlstate)):
            if value:
                body[key] = value
        if self.problems:
            body["erros"] = [p.as_json() for p in self.problems]
        return body


class NotFound(EditingError):
    status = 404
    code = "NotFound"


def _constraint_message(diag) -> str | None:
    name = getattr(diag, "constraint_name", None) or ""
    for suffix, template in CONSTRAINT_MESSAGES.items():
        if name.endswith("_" + suffix):
            table = getattr(diag, "table_name", None) or ""
            attr = name.removesuffix("_" + suffix).removeprefix(table + "_")
            return str(template) % {"attr": attr}
    return None


def _message(sqlstate: str, diag) -> str:
    primary = (getattr(diag, "message_primary", None)
               or gettext("a base de dados recusou a gravação"))
    if sqlstate == "23514":
        return _constraint_message(diag) or gettext("valor recusado: %(reason)s") % {
            "reason": primary}
    if sqlstate == "23502":
        return gettext("falta um valor obrigatório: %(column)s") % {
            "column": getattr(diag, "column_name", None) or primary}
    if sqlstate == "23505":
        return gettext("já existe um elemento com a mesma fonte e identificador na fonte")
    if sqlstate == "23503":
        return gettext("referência inexistente: %(reason)s") % {
            "reason": getattr(diag, "message_detail", None) or primary}
    if sqlstate.startswith("22"):
        return gettext("valor inválido: %(reason)s") % {"reason": primary}
    return primary


def from_database(exc: BaseException) -> EditingError | None:
    """The EditingError for a database refusal we know, else None (a genuine failure)."""
    cause = exc if hasattr(exc, "sqlstate") else exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if not sqlstate or sqlstate not in SQLSTATE_STATUS:
        return None
    diag = getattr(cause, "diag", None)
    if diag is None:
        return None
    if sqlstate == "XX000" and "geometry" not in (diag.message_primary or "").lower():
        return None
    status, code = SQLSTATE_STATUS[sqlstate]
    return EditingError(_message(sqlstate, diag), status=status, code=code,
                        detail=diag.message_detail or "", hint=diag.message_hint or "",
                        sqlstate=sqlstate)
