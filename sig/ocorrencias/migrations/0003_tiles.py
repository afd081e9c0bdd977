"""The occurrences' map tiles follow their changes: the tile-freshness triggers of the themes
on `ocorrencia` (a report, a state change, a merge clears the cached WMS/WMTS tiles over it)."""

from django.db import migrations

from sig.core.security import TILE_TRIGGERS, tile_triggers_sql

REVERSE = " ".join(f"DROP TRIGGER IF EXISTS {name} ON public.ocorrencia;"
                   for name in TILE_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [("ocorrencias", "0002_dados_abertos")]
    operations = [migrations.RunSQL(tile_triggers_sql("ocorrencia"), reverse_sql=REVERSE)]
