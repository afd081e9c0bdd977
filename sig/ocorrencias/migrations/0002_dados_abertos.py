"""The open-data projection of the occurrences, `ocorrencia_dados`: the published columns of
`ocorrencia_publica` and the point, for the OGC API collection `ocorrencias`, the downloads and
the web map's layer. It leaves out the Open311 token and the category answers, so no reader of
it can publish them by mistake."""

from django.db import migrations

SQL = """
CREATE OR REPLACE VIEW public.ocorrencia_dados WITH (security_barrier = true) AS
SELECT p.id, p.codigo, p.categoria, p.municipio, p.freguesia, p.estado, p.descricao, p.morada,
       p.servico, p.duplicada_de, p.criada_em, p.atualizada_em, p.fechada_em, p.prazo,
       p.atrasada, p.resposta, p.geom
  FROM public.ocorrencia_publica p;
REVOKE ALL ON public.ocorrencia_dados FROM PUBLIC, sig_app, sig_importer, sig_reader, sig_editor;
GRANT SELECT ON public.ocorrencia_dados TO sig_app, sig_reader, sig_editor;
"""
REVERSE = "DROP VIEW IF EXISTS public.ocorrencia_dados;"


class Migration(migrations.Migration):
    dependencies = [("ocorrencias", "0001_ocorrencias")]
    operations = [migrations.RunSQL(SQL, reverse_sql=REVERSE)]
