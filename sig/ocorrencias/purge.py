"""Retention of personal data (RGPD): the reporter's contacts and the photos of occurrences
closed longer ago than the retention period are erased. Runs as the owner (`sig ocorrencias
purge`, e.g. daily from cron): no role a request uses may delete them."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

PURGE_SQL = """
WITH old AS (
  SELECT o.id FROM public.ocorrencia o
   WHERE o.fechada_em < now() - make_interval(months => %(months)s)
), contacts AS (
  DELETE FROM public.ocorrencia_contacto c USING old WHERE c.ocorrencia = old.id RETURNING 1
), photos AS (
  DELETE FROM public.ocorrencia_foto f USING old WHERE f.ocorrencia = old.id RETURNING 1
), marked AS (
  UPDATE public.ocorrencia o SET dados_pessoais_apagados_em = now() FROM old
   WHERE o.id = old.id AND o.dados_pessoais_apagados_em IS NULL RETURNING 1
)
SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM photos),
       (SELECT count(*) FROM marked)
"""


@dataclass(frozen=True)
class Purged:
    contactos: int
    fotografias: int
    ocorrencias: int


def purge(owner: psycopg.Connection, months: int) -> Purged:
    """Erase the personal data of occurrences closed more than `months` months ago."""
    if months < 0:
        raise ValueError("o prazo de conservação não pode ser negativo")
    with owner.transaction():
        owner.execute("SELECT set_config('application_name', 'sig-ocorrencias:purge', true)")
        row = owner.execute(PURGE_SQL, {"months": months}).fetchone()
    return Purged(*row)
