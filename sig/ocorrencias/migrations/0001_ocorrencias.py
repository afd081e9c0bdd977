"""Occurrences: tables, row-level security, guard, version, history and audit triggers, the
creation function and the public projections (`sig/ocorrencias/sql/ocorrencias.sql`)."""

from pathlib import Path

from django.db import migrations

from sig.core.security import VERSION_AND_AUDIT, triggers_sql

SQL = (Path(__file__).resolve().parent.parent / "sql" / "ocorrencias.sql").read_text(
    encoding="utf-8") + triggers_sql("ocorrencia", VERSION_AND_AUDIT)
REVERSE = """
DROP VIEW IF EXISTS public.ocorrencia_historico_publico, public.ocorrencia_publica;
DROP TABLE IF EXISTS public.ocorrencia_foto, public.ocorrencia_contacto,
  public.ocorrencia_evento, public.ocorrencia, public.open311_chave;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_set_based_references"),
        ("territory", "0001_initial"),
    ]
    operations = [migrations.RunSQL(SQL, reverse_sql=REVERSE)]
