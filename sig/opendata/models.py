"""Stored results of the open-data area: snapshots of computed statistics, keyed by name.

A snapshot is valid while the data signature it was computed at still holds (see
`sig.opendata.snapshots`).
"""

from django.db import models


class Snapshot(models.Model):
    """A JSON result computed from the theme tables, and the data signature it reflects."""

    key = models.CharField("chave", max_length=100, primary_key=True)
    signature = models.CharField("assinatura dos dados", max_length=64)
    computed_at = models.DateTimeField("calculado em")
    seconds = models.FloatField("duração (s)", default=0)
    data = models.JSONField("dados")

    class Meta:
        db_table = "opendata_snapshot"
        verbose_name = "resultado calculado"
        verbose_name_plural = "resultados calculados"

    def __str__(self) -> str:
        return f"{self.key} ({self.computed_at:%Y-%m-%d %H:%M})"
