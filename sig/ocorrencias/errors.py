"""Refusals of the occurrences area: HTTP status, code and a pt-PT message; the database's
own refusals (SQLSTATE SO*, 42501, SG412) become them too."""

from __future__ import annotations

from sig.editing.errors import EditingError, FieldProblem
from sig.editing.errors import from_database as editing_from_database

# SQLSTATE raised by the occurrences' triggers and functions → (HTTP status, code).
SQLSTATE_STATUS = {
    "SO400": (400, "InvalidParameterValue"),
    "SO409": (409, "Conflict"),
    "SO422": (422, "OutsideRegion"),
}


class OcorrenciaError(EditingError):
    """A refused report or triage change."""


def refused(field: str, message: str, status: int = 400) -> OcorrenciaError:
    """A refusal about one input field."""
    return OcorrenciaError(message, status=status, problems=[FieldProblem(field, message)])


def from_database(exc: BaseException) -> EditingError | None:
    """The error for a database refusal we know, else None."""
    cause = exc if hasattr(exc, "sqlstate") else exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or ""
    if sqlstate in SQLSTATE_STATUS:
        status, code = SQLSTATE_STATUS[sqlstate]
        return OcorrenciaError(cause.diag.message_primary or "pedido recusado", status=status,
                               code=code, sqlstate=sqlstate)
    return editing_from_database(exc)
