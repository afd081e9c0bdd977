"""OGC API exceptions: one error type carrying the HTTP status, the OGC code and a pt-PT message."""

from __future__ import annotations

import json

STATUS_CODES = {
    400: "InvalidParameterValue",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    412: "PreconditionFailed",
    500: "ServerError",
    503: "ServiceUnavailable",
}


class OgcError(Exception):
    """A request the API answers with an exception document instead of data."""

    def __init__(self, status: int, description: str, code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.code = code or STATUS_CODES.get(status, "NoApplicableCode")
        self.headers = headers or {}

    def body(self) -> dict:
        return exception_body(self.status, self.code, self.description)


def exception_body(status: int, code: str, description: str) -> dict:
    """The JSON exception document (OGC API Features exception schema)."""
    return {"code": code, "description": description, "status": status}


def exception_json(status: int, code: str, description: str) -> bytes:
    return json.dumps(exception_body(status, code, description), ensure_ascii=False).encode()


def bad_request(description: str) -> OgcError:
    return OgcError(400, description)


def not_found(description: str) -> OgcError:
    return OgcError(404, description)
