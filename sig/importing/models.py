"""Import runs, their quarantine and their per-feature notes.

Written by the import through plain SQL as `sig_app` on a connection of its own, so a run
record and its quarantine survive a merge that is rolled back.
"""

from django.contrib.gis.db import models


class ImportRun(models.Model):
    """One `sig import` (or upload): who, when, what, how it was transformed, the counts."""

    STATUSES = [
        ("em_curso", "em curso"), ("concluida", "concluída"), ("simulada", "simulada"),
        ("falhada", "falhada"), ("recusada", "recusada"), ("interrompida", "interrompida"),
    ]

    id = models.BigAutoField(primary_key=True)
    started_at = models.DateTimeField("início")
    finished_at = models.DateTimeField("fim", null=True, blank=True)
    status = models.CharField("estado", max_length=20, choices=STATUSES)
    app_user = models.TextField("utilizador")
    db_login = models.TextField("login PostGIS", null=True, blank=True)
    municipios = models.JSONField("municípios")
    theme = models.CharField("tema", max_length=60)
    fonte = models.CharField("fonte", max_length=200)
    files = models.JSONField("ficheiros (nome, tamanho, SHA-256)")
    profile = models.TextField("perfil", null=True, blank=True)
    profile_sha256 = models.CharField("SHA-256 do perfil", max_length=64, null=True, blank=True)
    crs = models.TextField("sistema de coordenadas da fonte", blank=True)
    transformation = models.TextField("transformação", blank=True)
    accuracy_m = models.FloatField("exatidão da transformação (m)", null=True, blank=True)
    helmert = models.BooleanField("aproximação de Helmert", default=False)
    options = models.JSONField("opções")
    read = models.IntegerField("lidos", default=0)
    inserted = models.IntegerField("inseridos", default=0)
    updated = models.IntegerField("atualizados", default=0)
    unchanged = models.IntegerField("sem alterações", default=0)
    quarantined = models.IntegerField("em quarentena", default=0)
    deleted = models.IntegerField("removidos", default=0)
    repaired = models.IntegerField("geometrias reparadas", default=0)
    layers = models.JSONField("camadas")
    messages = models.JSONField("avisos")
    error = models.TextField("erro", null=True, blank=True)
    backend_pid = models.IntegerField("processo da base de dados", null=True, blank=True)

    class Meta:
        db_table = "importing_run"
        verbose_name = "importação"
        verbose_name_plural = "importações"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"importação {self.pk} ({self.theme}, {self.status})"


class QuarantinedFeature(models.Model):
    """A feature that failed validation, kept with its original attributes and geometry."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, db_column="run_id",
                            related_name="quarantine", verbose_name="importação")
    seq = models.BigIntegerField("ordem na importação")
    layer = models.TextField("camada")
    fid = models.TextField("identificador na camada", null=True, blank=True)
    fonte_id = models.TextField("chave de origem", null=True, blank=True)
    reasons = models.JSONField("motivos")
    attributes = models.JSONField("atributos originais")
    # The geometry as read, in the source CRS (WKB; the run keeps the CRS).
    geom_original = models.BinaryField("geometria original", null=True, blank=True)
    # The same geometry in PT-TM06 when it could be transformed (for maps).
    geom = models.GeometryField("geometria (PT-TM06)", srid=3763, null=True, blank=True)

    class Meta:
        db_table = "importing_quarantine"
        verbose_name = "elemento em quarentena"
        verbose_name_plural = "elementos em quarentena"
        indexes = [models.Index(fields=["run", "seq"], name="importing_quarantine_run_idx")]


class ImportNote(models.Model):
    """Something done to a feature on its way in: a repair, a lenient reading, a guess."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, db_column="run_id",
                            related_name="notes", verbose_name="importação")
    layer = models.TextField("camada")
    fid = models.TextField("identificador na camada", null=True, blank=True)
    fonte_id = models.TextField("chave de origem", null=True, blank=True)
    message = models.TextField("nota")

    class Meta:
        db_table = "importing_note"
        verbose_name = "nota de importação"
        verbose_name_plural = "notas de importação"
        indexes = [models.Index(fields=["run"], name="importing_note_run_idx")]
