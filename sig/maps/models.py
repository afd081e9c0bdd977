"""The registry of raster layers imported by `sig import-raster` (table `maps_raster`).

Each row names a Cloud Optimized GeoTIFF in EPSG:3763 under the raster folder
(`SIG_RASTER_DIR`, file `<nome>.tif`); a DEM also has its hillshade (`<nome>_relevo.tif`).
MapServer draws them, MapProxy serves them, and the OGC API reads this table (as sig_reader)
to publish them as coverages.
"""

from __future__ import annotations

from django.contrib.gis.db import models


class Raster(models.Model):
    """One imported raster layer."""

    class Tipo(models.TextChoices):
        ORTOFOTO = "ortofoto", "Ortofotomapa"
        MDT = "mdt", "Modelo digital do terreno"

    nome = models.CharField("nome", max_length=40, unique=True,
                            help_text="Identificador: letras minúsculas, algarismos e _")
    titulo = models.CharField("título", max_length=200)
    tipo = models.CharField("tipo", max_length=10, choices=Tipo.choices)
    ficheiro = models.CharField("ficheiro COG", max_length=200,
                                help_text="Relativo à pasta dos rasters")
    ficheiro_relevo = models.CharField("ficheiro do relevo sombreado", max_length=200,
                                       blank=True, default="")
    largura = models.IntegerField("largura (px)")
    altura = models.IntegerField("altura (px)")
    bandas = models.IntegerField("bandas")
    tipo_dados = models.CharField("tipo de dados", max_length=20)
    resolucao = models.FloatField("resolução (m)")
    nodata = models.FloatField("sem dados", null=True, blank=True)
    valor_min = models.FloatField("valor mínimo", null=True, blank=True)
    valor_max = models.FloatField("valor máximo", null=True, blank=True)
    extensao = models.PolygonField("extensão", srid=3763)
    fonte = models.CharField("ficheiro de origem", max_length=300)
    importado_em = models.DateTimeField("importado em", auto_now=True)

    class Meta:
        verbose_name = "raster"
        verbose_name_plural = "rasters"
        ordering = ["nome"]

    def __str__(self) -> str:
        return self.nome
