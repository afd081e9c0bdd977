"""The one way the application writes theme data: as sig_app, inside a transaction that first
states who acts and which municipalities they may edit (transaction-local settings read by the
database's row-level security, triggers and audit log)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils.translation import gettext

from sig.editing.accounts import Actor
from sig.editing.errors import EditingError

APP_ROLE = "sig_app"
STATE_SQL = ("SELECT set_config('sig.app_user', %s, true), set_config('sig.municipios', %s, true), "
             "set_config('application_name', %s, true)")


class NotAllowed(EditingError):
    status = 403
    code = "Forbidden"


def _require_app_role() -> None:
    user = connection.settings_dict.get("USER")
    if user != APP_ROLE:
        raise EditingError(f"as gravações têm de ser feitas como {APP_ROLE}, não como {user}",
                           status=500)


@contextmanager
def acting_as(actor: Actor, application: str = "sig-editor") -> Iterator[None]:
    """A transaction in which the database knows `actor` and their municipalities.

    Every statement inside runs under row-level security as that person; the audit log records
    them and `application` (ASCII, e.g. "sig-api", "sig-editor:revert:123").
    """
    if not actor.can_edit:
        who = actor.username or gettext("anónimo")
        raise NotAllowed(gettext("o utilizador %(who)s não tem permissão para editar")
                         % {"who": who})
    _require_app_role()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(STATE_SQL, [actor.username, ",".join(actor.municipios),
                                       application.encode("ascii", "ignore").decode()[:63]])
        yield
