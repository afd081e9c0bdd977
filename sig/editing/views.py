"""Pages of the editing area: the editor, sign-in, and the changes list and feeds (thin views)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import feedgenerator, timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from sig.conf import get_settings
from sig.editing import history
from sig.editing.accounts import Actor, actor_for
from sig.editing.editor_config import editor_config
from sig.editing.errors import EditingError
from sig.editing.http import Unauthorized, authenticate, get_endpoint, json_response
from sig.i18n import choose_language
from sig.territory.models import Municipio

DEFAULT_SINCE = dt.timedelta(days=7)
FEED_LIMIT = 200


class LoginView(auth_views.LoginView):
    template_name = "editing/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "editing/password_change.html"
    success_url = reverse_lazy("editing:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "editing/password_change_done.html"


@login_required
@require_GET
def editor(request: HttpRequest) -> HttpResponse:
    """The web editor (OpenLayers, served locally)."""
    actor = actor_for(request.user)
    config = editor_config(actor, choose_language(request))
    return render(request, "editing/editor.html", {"actor": actor, "config": config})


def _since(value: str | None) -> dt.datetime:
    if not value:
        return timezone.now() - DEFAULT_SINCE
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise EditingError(gettext("data inválida em 'desde': %(value)s (use AAAA-MM-DD)")
                           % {"value": value}) from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _municipios(value: str | None, actor: Actor) -> list[str]:
    served = list(get_settings().municipios)
    if not value:
        return list(actor.municipios) or served
    wanted = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in wanted if v not in served]
    if unknown:
        raise EditingError(gettext("município desconhecido: %(dicos)s")
                           % {"dicos": ", ".join(unknown)})
    return wanted


def _changes(request: HttpRequest, actor: Actor) -> tuple[list[dict], dt.datetime, list[str]]:
    since = _since(request.GET.get("desde"))
    municipios = _municipios(request.GET.get("municipio"), actor)
    theme = request.GET.get("tema") or None
    return history.changes_since(municipios, since, theme, FEED_LIMIT), since, municipios


@login_required
@require_GET
def changes_page(request: HttpRequest) -> HttpResponse:
    """"What changed in my municipality since…" as a page."""
    actor = actor_for(request.user)
    try:
        changes, since, municipios = _changes(request, actor)
        problem = ""
    except EditingError as exc:
        changes, since, municipios, problem = [], timezone.now() - DEFAULT_SINCE, [], exc.message
    context = {"changes": changes, "since": since.date().isoformat(), "selected": municipios,
               "municipios": Municipio.objects.order_by("nome").values("dico", "nome"),
               "problem": problem, "query": request.GET.urlencode(), "actor": actor}
    return render(request, "editing/changes.html", context, status=400 if problem else 200)


def _feed_reader(request: HttpRequest) -> Actor:
    actor, _ = authenticate(request)
    if not actor.is_authenticated:
        raise Unauthorized(gettext("autenticação necessária (sessão ou token de API)"))
    return actor


def _item_link(request: HttpRequest, change: dict) -> str:
    path = reverse("editing:editor")
    return request.build_absolute_uri(f"{path}?tema={change['tema']}&elemento={change['elemento']}")


def _item_title(change: dict) -> str:
    return (f"{change['operacao'].capitalize()} de {change['tema_titulo']} {change['elemento']} "
            f"({change['municipio']})")


@get_endpoint
def changes_json(request: HttpRequest) -> HttpResponse:
    """The changes as a JSON Feed 1.1 (each item also carries the full change record)."""
    changes, since, municipios = _changes(request, _feed_reader(request))
    items = [{"id": f"urn:sig:alteracao:{c['alteracao']}", "url": _item_link(request, c),
              "title": _item_title(c), "content_text": ", ".join(c["campos"]) or c["operacao"],
              "date_published": c["em"], "authors": [{"name": c["autor"]}], "_sig": c}
             for c in changes]
    body = {"version": "https://jsonfeed.org/version/1.1",
            "title": f"Alterações desde {since.date().isoformat()} ({', '.join(municipios)})",
            "home_page_url": request.build_absolute_uri(reverse("editing:changes")),
            "feed_url": request.build_absolute_uri(), "language": "pt-PT", "items": items}
    return json_response(body, content_type="application/feed+json")


@get_endpoint
def changes_atom(request: HttpRequest) -> HttpResponse:
    """The changes as an Atom feed."""
    changes, since, municipios = _changes(request, _feed_reader(request))
    feed = feedgenerator.Atom1Feed(
        title=f"Alterações desde {since.date().isoformat()} ({', '.join(municipios)})",
        link=request.build_absolute_uri(reverse("editing:changes")),
        description="Alterações aos dados municipais", language="pt-pt",
        feed_url=request.build_absolute_uri())
    for c in changes:
        moment = dt.datetime.fromisoformat(c["em"])
        feed.add_item(title=_item_title(c), link=_item_link(request, c),
                      description=", ".join(c["campos"]) or c["operacao"],
                      unique_id=f"urn:sig:alteracao:{c['alteracao']}", pubdate=moment,
                      updateddate=moment, author_name=c["autor"])
    return HttpResponse(feed.writeString("utf-8"),
                        content_type="application/atom+xml; charset=utf-8")
