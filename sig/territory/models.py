"""The served territory: municipalities and freguesias from DGT's CAOP, in EPSG:3763."""

from django.contrib.gis.db import models


class Municipio(models.Model):
    """A municipality (concelho), identified by its DICO code."""

    dico = models.CharField("DICO", max_length=4, primary_key=True)
    nome = models.CharField("nome", max_length=100)
    geom = models.MultiPolygonField("limite", srid=3763)
    # The boundary grown by the configured tolerance: "inside its municipality" tests use it.
    geom_limite = models.MultiPolygonField("limite com tolerância", srid=3763)
    tolerancia_m = models.FloatField("tolerância (m)", default=50)
    fonte = models.CharField("fonte", max_length=300, blank=True)

    class Meta:
        db_table = "municipio"
        verbose_name = "município"
        verbose_name_plural = "municípios"

    def __str__(self) -> str:
        return f"{self.nome} ({self.dico})"


class Freguesia(models.Model):
    """A civil parish, identified by its DICOFRE code (six digits)."""

    dicofre = models.CharField("DICOFRE", max_length=6, primary_key=True)
    nome = models.CharField("nome", max_length=200)
    municipio = models.ForeignKey(
        Municipio, on_delete=models.CASCADE, db_column="municipio", related_name="freguesias"
    )
    geom = models.MultiPolygonField("limite", srid=3763)
    fonte = models.CharField("fonte", max_length=300, blank=True)

    class Meta:
        db_table = "freguesia"
        verbose_name = "freguesia"
        verbose_name_plural = "freguesias"

    def __str__(self) -> str:
        return f"{self.nome} ({self.dicofre})"
