"""People, roles and API tokens.

Plain functions over the Django models, shared by the console commands, the admin and the views.
Who may edit which municipality is decided here for the application and, independently, by
PostgreSQL for every write (the application states the person and municipalities per transaction).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sig.conf import get_settings
from sig.editing.models import Papel, Perfil, TokenApi
from sig.territory.models import Municipio

# The roles (values of Papel).
ADMIN, EDITOR, VIEWER = "admin", "editor", "viewer"
# How often the "last used" time of a token is written (avoids a write per request).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


class AccountError(Exception):
    """A request about accounts that cannot be done; the message is for people (pt-PT)."""


@dataclass(frozen=True)
class Actor:
    """Who acts, as the application sees it: never taken from the client."""

    username: str
    role: str
    municipios: tuple[str, ...]

    @property
    def is_authenticated(self) -> bool:
        return bool(self.username)

    @property
    def can_edit(self) -> bool:
        return self.role in (ADMIN, EDITOR) and bool(self.municipios)

    def may_edit(self, dico: str | None) -> bool:
        return self.can_edit and dico in self.municipios


ANONYMOUS = Actor(username="", role=VIEWER, municipios=())


def actor_for(user) -> Actor:
    """The actor of a Django user: administrators edit every served municipality."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    perfil = Perfil.objects.filter(user=user).first()
    if user.is_superuser or (perfil and perfil.papel == ADMIN):
        return Actor(user.get_username(), ADMIN, tuple(get_settings().municipios))
    if perfil is None:
        return Actor(user.get_username(), VIEWER, ())
    dicos = tuple(sorted(perfil.municipios.values_list("dico", flat=True)))
    return Actor(user.get_username(), perfil.papel, dicos if perfil.papel == EDITOR else ())


def _check_municipios(role: str, dicos: Iterable[str]) -> list[Municipio]:
    wanted = sorted({d.strip() for d in dicos if d.strip()})
    served = set(get_settings().municipios)
    unknown = [d for d in wanted if d not in served]
    if unknown:
        raise AccountError(f"município desconhecido ou não servido: {', '.join(unknown)}")
    found = list(Municipio.objects.filter(dico__in=wanted).order_by("dico"))
    missing = sorted(set(wanted) - {m.dico for m in found})
    if missing:
        raise AccountError(f"município ainda não carregado (sig load-caop): {', '.join(missing)}")
    if role == EDITOR and not found:
        raise AccountError("um editor precisa de pelo menos um município (--municipio DICO)")
    return found


def _check_role(role: str) -> str:
    if role not in Papel.values:
        raise AccountError(f"papel desconhecido: {role} (use {', '.join(Papel.values)})")
    return role


def _check_password(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("palavra-passe recusada: " + " ".join(exc.messages)) from exc


def set_role(user, role: str, dicos: Iterable[str] = ()) -> Perfil:
    """Give `user` a role and municipalities; administrators also administer the Django admin."""
    role = _check_role(role)
    municipios = _check_municipios(role, dicos) if role == EDITOR else []
    perfil, _ = Perfil.objects.get_or_create(user=user)
    perfil.papel = role
    perfil.save()
    perfil.municipios.set(municipios)
    user.is_staff = user.is_superuser = role == ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    return perfil


@dataclass(frozen=True)
class AddedUser:
    username: str
    created: bool
    generated_password: str | None


def add_user(username: str, role: str, dicos: Iterable[str] = (),
             password: str | None = None) -> AddedUser:
    """Create a person (or update the role of an existing one). A new person without a given
    password gets a generated one, returned once."""
    User = get_user_model()
    _check_role(role)
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise AccountError(f"nome de utilizador inválido: {username}") from exc
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        generated = secrets.token_urlsafe(12) if created and not password else None
        if password or generated:
            _check_password(password or generated or "", user)
            user.set_password(password or generated)
        user.is_active = True
        user.save()
        set_role(user, role, dicos)
    return AddedUser(username, created, generated)


def get_user(username: str):
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise AccountError(f"utilizador desconhecido: {username}") from exc


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_token(username: str) -> str:
    """A new API token for `username` (earlier ones stop working). Only its hash is stored."""
    user = get_user(username)
    if not user.is_active:
        raise AccountError(f"o utilizador {username} está desativado")
    key = "sig_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        TokenApi.objects.filter(user=user).delete()
        TokenApi.objects.create(user=user, prefixo=key[:8], chave_hash=_hash(key))
    return key


def user_for_token(key: str) -> AbstractBaseUser | None:
    """The active person owning an API token, or None."""
    if not key or len(key) > 200:
        return None
    token = TokenApi.objects.select_related("user").filter(chave_hash=_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.usado_em is None or now - token.usado_em > TOKEN_TOUCH_INTERVAL:
        TokenApi.objects.filter(pk=token.pk).update(usado_em=now)
    return token.user


def deactivate(username: str) -> str:
    """Revoke web and API access: the account is disabled (its sessions stop being accepted)
    and its tokens deleted. Returns the QGIS login to revoke too ('' if none)."""
    user = get_user(username)
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        TokenApi.objects.filter(user=user).delete()
    perfil = Perfil.objects.filter(user=user).first()
    return perfil.login_qgis if perfil else ""

