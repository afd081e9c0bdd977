"""Accounts of the editing area: a profile per person (role and municipalities) and API tokens.
The rights themselves are enforced by PostgreSQL (see `sig.core`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sig.territory.models import Municipio


class Papel(models.TextChoices):
    """What a person may do: administer everything, edit some municipalities, or only view."""

    ADMIN = "admin", "Administrador CIMRL"
    EDITOR = "editor", "Editor municipal"
    VIEWER = "viewer", "Consulta"


class Perfil(models.Model):
    """The role and municipalities of one person."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="perfil_sig", verbose_name="utilizador")
    papel = models.CharField("papel", max_length=10, choices=Papel.choices,
                             default=Papel.VIEWER)
    municipios = models.ManyToManyField(Municipio, blank=True, related_name="+",
                                        verbose_name="municípios que edita",
                                        db_table="editing_perfil_municipio")
    login_qgis = models.CharField("login PostGIS (QGIS)", max_length=63, blank=True)

    class Meta:
        db_table = "editing_perfil"
        verbose_name = "perfil"
        verbose_name_plural = "perfis"

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_papel_display()})"


class TokenApi(models.Model):
    """An API token; only its SHA-256 is stored, the key is shown once when issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="tokens_api", verbose_name="utilizador")
    prefixo = models.CharField("início da chave", max_length=8)
    chave_hash = models.CharField("SHA-256 da chave", max_length=64, unique=True)
    criado_em = models.DateTimeField("criado em", auto_now_add=True)
    usado_em = models.DateTimeField("último uso", null=True, blank=True)

    class Meta:
        db_table = "editing_token_api"
        verbose_name = "token de API"
        verbose_name_plural = "tokens de API"

    def __str__(self) -> str:
        return f"{self.prefixo}… ({self.user.get_username()})"



class ImportacaoWeb(models.Model):
    """A file uploaded in the editor and imported in the background; its progress is written
    on a connection of its own, so any service process can report it."""

    utilizador = models.CharField("utilizador", max_length=150, db_index=True)
    tema = models.CharField("tema", max_length=60)
    municipio = models.CharField("município", max_length=4)
    ficheiro = models.CharField("ficheiro", max_length=255)
    estado = models.CharField("estado", max_length=20, default="em_curso")
    etapa = models.CharField("etapa", max_length=60, blank=True)
    feitos = models.IntegerField("feitos", default=0)
    total = models.IntegerField("total", null=True, blank=True)
    importacao = models.BigIntegerField("registo da importação", null=True, blank=True)
    resumo = models.JSONField("resumo", null=True, blank=True)
    erro = models.TextField("erro", blank=True)
    criado_em = models.DateTimeField("criado em", auto_now_add=True)
    atualizado_em = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        db_table = "editing_importacao_web"
        verbose_name = "importação pelo editor"
        verbose_name_plural = "importações pelo editor"
