"""API keys of Open311 client applications (`sig open311 key NAME`): only the SHA-256 of a key
is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import secrets

from django.db import connection, transaction

from sig.ocorrencias.errors import OcorrenciaError


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(name: str) -> str:
    """A new key for application `name` (an earlier key of the same name stops working)."""
    key = secrets.token_urlsafe(32)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE public.open311_chave SET revogada_em = now() WHERE nome = %s "
                       "AND revogada_em IS NULL", [name])
        cursor.execute("INSERT INTO public.open311_chave (nome, prefixo, chave_hash) VALUES "
                       "(%s, %s, %s) ON CONFLICT (nome) DO UPDATE SET prefixo = EXCLUDED.prefixo, "
                       "chave_hash = EXCLUDED.chave_hash, criada_em = now(), revogada_em = NULL",
                       [name, key[:6], _hash(key)])
    return key


def revoke(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE public.open311_chave SET revogada_em = now() WHERE nome = %s "
                       "AND revogada_em IS NULL", [name])
        return cursor.rowcount > 0


def application_for(key: str | None) -> tuple[int, str]:
    """The (id, name) of a valid key; raise a 403 otherwise."""
    if key:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, nome FROM public.open311_chave WHERE chave_hash = %s "
                           "AND revogada_em IS NULL", [_hash(key)])
            row = cursor.fetchone()
        if row:
            return row[0], row[1]
    raise OcorrenciaError("api_key em falta, inválida ou revogada", status=403, code="Forbidden")
