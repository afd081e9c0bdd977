"""E-mails to reporters after a public change (new state, public reply), in their language,
with a link to the public status page. SMTP is configured in `sig.conf` (SIG_SMTP_*); without
a host nothing is sent. A failure is logged and never undoes the change."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sig.conf import get_settings
from sig.ocorrencias.public import STATE_LABELS

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 10

SUBJECT = {"pt": "Linha Verde: a sua ocorrência {codigo} — {estado}",
           "en": "Linha Verde: your report {codigo} — {estado}"}
BODY = {"pt": "A ocorrência {codigo} está agora: {estado}.\n{resposta}\nAcompanhe-a em {url}\n",
        "en": "Your report {codigo} is now: {estado}.\n{resposta}\nFollow it at {url}\n"}
REPLY = {"pt": "\nResposta dos serviços:\n{texto}\n", "en": "\nReply from the services:\n{texto}\n"}


@dataclass(frozen=True)
class Change:
    """A public change of one occurrence."""

    codigo: str
    estado: str
    resposta: str | None
    idioma: str = "pt"


def compose(to: str, change: Change) -> EmailMessage:
    settings = get_settings()
    language = "en" if change.idioma == "en" else "pt"
    suffix = "?lang=en" if language == "en" else ""
    values = {"codigo": change.codigo, "estado": STATE_LABELS[change.estado][language],
              "url": f"{settings.base_url}/ocorrencias/{change.codigo}/{suffix}",
              "resposta": REPLY[language].format(texto=change.resposta) if change.resposta
              else ""}
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = SUBJECT[language].format(**values)
    message.set_content(BODY[language].format(**values))
    return message


def send(to: str, change: Change) -> bool:
    """Send one message; False (logged) when there is no SMTP host or sending failed."""
    settings = get_settings()
    if not settings.smtp_host:
        log.info("no SMTP host: message about %s not sent", change.codigo)
        return False
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(compose(to, change))
    except (OSError, smtplib.SMTPException):
        log.exception("e-mail about %s could not be sent", change.codigo)
        return False
    return True
