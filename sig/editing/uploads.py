"""Files uploaded in the editor, imported in the background by the import pipeline.

The seam with `sig.importing` is `_import`: one call to `run_import(request, actor,
progress)`. The job's progress and outcome are written on an autocommit connection of their
own (table `editing_importacao_web`), so whichever service process answers the polling
request can report them, and a request's transaction never holds them back.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from psycopg.types.json import Jsonb

from sig.conf import get_settings
from sig.db.connect import connect_as
from sig.editing.accounts import ADMIN, Actor
from sig.editing.acting import NotAllowed
from sig.editing.errors import EditingError, NotFound
from sig.editing.features import get_theme

log = logging.getLogger(__name__)

# A job that reported nothing for this long is taken as interrupted (its process died).
STALE_SECONDS = 15 * 60
PROGRESS_INTERVAL = 0.5
JOB_COLUMNS = ("id, utilizador, tema, municipio, ficheiro, estado, etapa, feitos, total, "
               "importacao, resumo, erro, extract(epoch FROM now() - atualizado_em)")
RESULT_COUNTS = ("read", "inserted", "updated", "unchanged", "quarantined", "deleted",
                 "repaired")
FINISHED = ("concluida", "simulada", "falhada", "recusada", "interrompida")
LABELS = {"em_curso": "em curso", "concluida": "concluída", "simulada": "simulada",
          "falhada": "falhada", "recusada": "recusada", "interrompida": "interrompida"}


def _execute(sql: str, params: list) -> list[tuple]:
    with connect_as("app", autocommit=True, application_name="sig-editor (importação)") as c:
        cursor = c.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def safe_name(name: str) -> str:
    """A file name without folders or odd characters (the extension is kept)."""
    base = Path(name or "ficheiro").name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:120] or "ficheiro"


def upload_dir(job_id: int) -> Path:
    return get_settings().var_dir / "uploads" / str(job_id)


def create_job(actor: Actor, theme_id: str, municipio: str, filename: str) -> int:
    """Check the request (the database checks again when writing) and record the job."""
    get_theme(theme_id)
    if not actor.may_edit(municipio):
        raise NotAllowed(f"não pode importar para o município {municipio or '(nenhum)'}",
                         hint=f"municípios que pode editar: {', '.join(actor.municipios)}")
    rows = _execute("INSERT INTO editing_importacao_web (utilizador, tema, municipio, ficheiro, "
                    "estado, etapa, feitos, erro, criado_em, atualizado_em) VALUES "
                    "(%s, %s, %s, %s, 'em_curso', 'a receber', 0, '', now(), now()) RETURNING id",
                    [actor.username, theme_id, municipio, safe_name(filename)])
    return rows[0][0]


def _progress(job_id: int) -> Callable[[str, int, int | None], None]:
    last: dict[str, Any] = {"stage": "", "at": 0.0}

    def report(stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if stage == last["stage"] and now - last["at"] < PROGRESS_INTERVAL:
            return
        last.update(stage=stage, at=now)
        _execute("UPDATE editing_importacao_web SET etapa = %s, feitos = %s, total = %s, "
                 "atualizado_em = now() WHERE id = %s", [stage[:60], done, total, job_id])
    return report


def _finish(job_id: int, estado: str, run_id: int | None, resumo: dict | None,
            erro: str = "") -> None:
    _execute("UPDATE editing_importacao_web SET estado = %s, importacao = %s, resumo = %s, "
             "erro = %s, etapa = 'terminado', atualizado_em = now() WHERE id = %s",
             [estado, run_id, Jsonb(resumo) if resumo is not None else None, erro, job_id])


def _summary(result: Any) -> dict:
    summary = {key: getattr(result, key) for key in RESULT_COUNTS}
    summary["transformacao"] = result.transformation
    summary["avisos"] = list(result.messages)
    summary["motivos"] = [[reason, count] for reason, count in result.reasons]
    return summary


def _import(job_id: int, path: Path, actor: Actor, theme_id: str, municipio: str) -> None:
    """The import itself (blocking): the seam with the import pipeline."""
    from sig.importing.errors import ImportFailed, ImportRefused
    from sig.importing.pipeline import Actor as ImportActor
    from sig.importing.pipeline import ImportRequest, run_import

    request = ImportRequest(sources=[path], theme=theme_id, municipios=(municipio,))
    try:
        result = run_import(request, ImportActor(actor.username, actor.municipios),
                            _progress(job_id))
    except ImportRefused as exc:
        _finish(job_id, "recusada", None, None, str(exc))
    except ImportFailed as exc:
        _finish(job_id, "falhada", exc.run_id, None, str(exc))
    else:
        _finish(job_id, result.status, result.run_id, _summary(result))


def run_job(job_id: int, path: Path, actor: Actor, theme_id: str, municipio: str) -> None:
    """Run one job to its end, whatever happens, and remove the uploaded file."""
    try:
        _import(job_id, path, actor, theme_id, municipio)
    except Exception:
        log.exception("upload import %s failed", job_id)
        _finish(job_id, "falhada", None, None, "erro interno na importação; foi registado")
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def start(actor: Actor, theme_id: str, municipio: str, filename: str,
          save: Callable[[Path], None]) -> int:
    """Record the job, store the file (`save(path)`), and import it in a background thread."""
    job_id = create_job(actor, theme_id, municipio, filename)
    path = upload_dir(job_id) / safe_name(filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(path)
    thread = threading.Thread(target=run_job, args=(job_id, path, actor, theme_id, municipio),
                              name=f"sig-upload-{job_id}", daemon=True)
    thread.start()
    return job_id


def _message(job: dict) -> str:
    if job["estado"] == "em_curso":
        total = f" de {job['total']}" if job["total"] else ""
        return f"{job['etapa'] or 'a preparar'}: {job['feitos']}{total}"
    label = LABELS.get(job["estado"], job["estado"])
    if job["erro"]:
        return f"Importação {label}: {job['erro']}"
    return f"Importação {label}."


def _summary_text(resumo: dict | None) -> str:
    if not resumo:
        return ""
    lines = [f"lidos {resumo['read']}, inseridos {resumo['inserted']}, atualizados "
             f"{resumo['updated']}, sem alterações {resumo['unchanged']}, em quarentena "
             f"{resumo['quarantined']}"]
    lines += [f"{count} × {reason}" for reason, count in resumo.get("motivos", [])]
    lines += list(resumo.get("avisos", []))
    if resumo.get("transformacao"):
        lines.append(f"transformação: {resumo['transformacao']}")
    return "\n".join(lines)


def job_status(actor: Actor, job_id: int) -> dict:
    """The job as the editor shows it; only its owner (or an administrator) may see it."""
    rows = _execute(f"SELECT {JOB_COLUMNS} FROM editing_importacao_web WHERE id = %s", [job_id])
    keys = [c.strip() for c in JOB_COLUMNS.split(",")][:-1] + ["idade"]
    job = dict(zip(keys, rows[0], strict=True)) if rows else None
    if job is None or (job["utilizador"] != actor.username and actor.role != ADMIN):
        raise NotFound(f"importação {job_id} desconhecida")
    if job["estado"] == "em_curso" and job["idade"] > STALE_SECONDS:
        _finish(job_id, "interrompida", None, None, "o processo terminou antes do fim; nada "
                "foi gravado nos temas")
        return job_status(actor, job_id)
    done = job["estado"] in FINISHED
    progress = 1.0 if done else (job["feitos"] / job["total"] if job["total"] else 0.0)
    resumo = job["resumo"]
    return {"id": job_id, "estado": job["estado"], "terminado": done, "progresso": progress,
            "mensagem": _message(job), "resumo": _summary_text(resumo),
            "importacao": job["importacao"],
            "em_quarentena": (resumo or {}).get("quarantined", 0)}


def quarantine_file(actor: Actor, job_id: int, folder: Path) -> Path:
    """The job's quarantine as a GeoPackage written in `folder`."""
    from sig.importing.errors import ImportRefused
    from sig.importing.quarantine import export

    status = job_status(actor, job_id)
    if not status["importacao"] or not status["em_quarentena"]:
        raise NotFound("esta importação não tem elementos em quarentena")
    target = folder / f"quarentena-{status['importacao']}.gpkg"
    try:
        export(status["importacao"], target)
    except ImportRefused as exc:
        raise EditingError(str(exc), status=404, code="NotFound") from exc
    return target
