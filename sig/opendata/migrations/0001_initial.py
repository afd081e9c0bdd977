"""Snapshots of computed statistics; only the web application (sig_app) reads and writes them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name='Snapshot',
            fields=[
                ('key', models.CharField(max_length=100, primary_key=True, serialize=False, verbose_name='chave')),
                ('signature', models.CharField(max_length=64, verbose_name='assinatura dos dados')),
                ('computed_at', models.DateTimeField(verbose_name='calculado em')),
                ('seconds', models.FloatField(default=0, verbose_name='duração (s)')),
                ('data', models.JSONField(verbose_name='dados')),
            ],
            options={
                'verbose_name': 'resultado calculado',
                'verbose_name_plural': 'resultados calculados',
                'db_table': 'opendata_snapshot',
            },
        ),
        migrations.RunSQL(
            sql=["REVOKE ALL ON public.opendata_snapshot FROM PUBLIC",
                 "GRANT SELECT, INSERT, UPDATE, DELETE ON public.opendata_snapshot TO sig_app"],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
