"""Defences of the public report form: a honeypot field, a minimum fill time (a signed
timestamp handed out with the form) and rate limits per client address and per contact."""

from __future__ import annotations

import re
import time

from django.core import signing

from sig.conf import get_settings
from sig.ocorrencias.errors import OcorrenciaError
from sig.ocorrencias.reports import Contact
from sig.ops import ratelimit

# The field a person never sees (hidden by the page's CSS) and bots fill in.
HONEYPOT = "website"
FORM_TOKEN = "formulario"
FORM_SALT = "sig.ocorrencias.formulario"
FORM_MAX_AGE = 24 * 3600


class TooMany(OcorrenciaError):
    status = 429
    code = "TooManyRequests"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def form_token(now: float | None = None) -> str:
    """A signed timestamp for a new form."""
    return signing.dumps(int(now if now is not None else time.time()), salt=FORM_SALT)


def check_honeypot(value: str | None) -> None:
    if value:
        raise OcorrenciaError("pedido recusado", status=400, code="Refused")


def check_fill_time(token: str | None, now: float | None = None) -> None:
    """The form was handed out by the service, at least the minimum fill time ago."""
    now = now if now is not None else time.time()
    try:
        issued = signing.loads(token or "", salt=FORM_SALT, max_age=FORM_MAX_AGE)
    except signing.BadSignature as exc:
        raise OcorrenciaError("formulário inválido ou expirado: recarregue a página e tente "
                              "de novo", status=400, code="InvalidForm") from exc
    if now - int(issued) < get_settings().ocorrencias_min_fill_seconds:
        raise OcorrenciaError("formulário enviado depressa demais: verifique os dados e "
                              "envie de novo", status=400, code="TooFast")


def _count(scope: str, value: str, rate: str) -> None:
    decision = ratelimit.hit(scope, value, ratelimit.Rate.parse(rate))
    if not decision.allowed:
        raise TooMany("demasiadas ocorrências enviadas: tente de novo mais tarde",
                      decision.retry_after)


def contact_keys(contact: Contact) -> list[str]:
    """The contact's e-mail (lower case) and phone (digits only), the keys of its limit."""
    keys = [contact.email.lower()] if contact.email else []
    if contact.telefone:
        keys.append(re.sub(r"\D", "", contact.telefone)[-9:])
    return keys


def check_contact_rate(key: str) -> None:
    _count("ocorrencias-contacto", key, get_settings().ocorrencias_contact_rate)


def check_rates(address: str, contact: Contact) -> None:
    """Count the report against its client address and each of its contacts."""
    _count("ocorrencias-ip", address, get_settings().ocorrencias_ip_rate)
    for key in contact_keys(contact):
        check_contact_rate(key)
