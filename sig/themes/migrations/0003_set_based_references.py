"""The themes' references to municipio and freguesia without foreign key constraints: the
database rules check them set-based (core.0006)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_hardened_rights'),
        ('ogcapi', '0003_pinned_search_path'),
        ('territory', '0001_initial'),
        ('themes', '0002_one_index_per_key'),
    ]

    operations = [
        migrations.AlterField(
            model_name='condicionantes',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='condicionantes',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='condicionanteslinha',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='condicionanteslinha',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='condicionantesponto',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='condicionantesponto',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='equipamentos',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='equipamentos',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='iluminacaopublica',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='iluminacaopublica',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='moradas',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='moradas',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='ordenamento',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='ordenamento',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='ordenamentolinha',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='ordenamentolinha',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='ordenamentoponto',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='ordenamentoponto',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='redeviaria',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='redeviaria',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
        migrations.AlterField(
            model_name='residuos',
            name='freguesia',
            field=models.ForeignKey(blank=True, db_column='freguesia', db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.freguesia', verbose_name='freguesia'),
        ),
        migrations.AlterField(
            model_name='residuos',
            name='municipio',
            field=models.ForeignKey(db_column='municipio', db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.municipio', verbose_name='município'),
        ),
    ]
