"""Source fingerprints of imported features (sig.importing.fingerprint)."""

from django.db import migrations

CREATE = """
CREATE TABLE public.importing_fingerprint (
  table_name text NOT NULL,
  row_id bigint NOT NULL,
  row_version integer NOT NULL,
  updated_at timestamptz NOT NULL,
  hash bigint NOT NULL,
  PRIMARY KEY (table_name, row_id)
);
COMMENT ON TABLE public.importing_fingerprint IS
  'Hash of the source feature an import last wrote or confirmed, with the row''s version stamp';
REVOKE ALL ON public.importing_fingerprint FROM PUBLIC, sig_app, sig_reader, sig_editor;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.importing_fingerprint TO sig_importer;
"""


class Migration(migrations.Migration):
    dependencies = [("importing", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql="DROP TABLE public.importing_fingerprint"),
    ]
