"""Files uploaded in the editor, imported outside the request by the import pipeline.

The request only records the job (refused with 429 when the person already has
`SIG_IMPORT_MAX_PER_USER` uploads waiting or running), stores the file and queues it
(`sig.editing.import_queue`); the import itself runs in a child process with memory and CPU
limits (`run_job`, called by `sig.editing.import_worker`). The seam with `sig.importing` is
`_import`: one call to `run_import(request, actor, progress)`. The job's progress and outcome
are written on an autocommit connection of their own (table `editing_importacao_web`), so
whichever service process answers the polling request can report them, and a request's
transaction never holds them back.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils.translation import gettext
from psycopg.types.json import Jsonb

from sig.conf import get_settings
from sig.db.connect import connect_as
from sig.editing.accounts import ADMIN, Actor
from sig.editing.acting import NotAllowed
from sig.editing.errors import EditingError, NotFound
from sig.editing.features import get_theme
from sig.editing.import_queue import MEMORY_EXIT, Job, get_queue

log = logging.getLogger(__name__)

# A job that reported nothing for this long is taken as interrupted (its process died).
STALE_SECONDS = 15 * 60
PROGRESS_INTERVAL = 0.5
JOB_COLUMNS = ("id, utilizador, tema, municipio, ficheiro, estado, etapa, feitos, total, "
               "importacao, resumo, erro, extract(epoch FROM now() - atualizado_em)")
RESULT_COUNTS = ("read", "inserted", "updated", "unchanged", "quarantined", "deleted",
                 "repaired")
FINISHED = ("concluida", "simulada", "falhada", "recusada", "interrompida")
INSERT_JOB = ("INSERT INTO editing_importacao_web (utilizador, tema, municipio, ficheiro, "
              "estado, etapa, feitos, erro, criado_em, atualizado_em) VALUES "
              "(%s, %s, %s, %s, 'em_curso', 'na fila', 0, '', now(), now()) RETURNING id")


class TooManyImports(EditingError):
    """The person already has as many uploads waiting or running as allowed."""

    status = 429
    code = "TooManyRequests"


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


def _active_jobs(conn, username: str) -> int:
    """Jobs of this person waiting or running (not those whose process died long ago)."""
    return conn.execute("SELECT count(*) FROM editing_importacao_web WHERE utilizador = %s "
                        "AND estado = 'em_curso' AND atualizado_em > now() - "
                        "make_interval(secs => %s)", [username, STALE_SECONDS]).fetchone()[0]


def create_job(actor: Actor, theme_id: str, municipio: str, filename: str) -> int:
    """Check the request (the database checks again when writing) and record the job, unless
    the person has as many uploads under way as allowed (the check and the insert hold a
    per-person lock, so two requests at once cannot both pass)."""
    get_theme(theme_id)
    if not actor.may_edit(municipio):
        raise NotAllowed(gettext("não pode importar para o município %(dico)s")
                         % {"dico": municipio or gettext("(nenhum)")},
                         hint=gettext("municípios que pode editar: %(dicos)s")
                         % {"dicos": ", ".join(actor.municipios)})
    limit = get_settings().import_max_per_user
    with connect_as("app", application_name="sig-editor (importação)") as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                     [f"sig importacao web {actor.username}"])
        if _active_jobs(conn, actor.username) >= limit:
            raise TooManyImports(gettext("já tem %(n)s importações em curso ou em espera (o "
                                         "máximo por pessoa); espere que terminem e volte a "
                                         "enviar") % {"n": limit})
        return conn.execute(INSERT_JOB, [actor.username, theme_id, municipio,
                                         safe_name(filename)]).fetchone()[0]


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


def finish_if_running(job_id: int, erro: str) -> bool:
    """Mark a job whose process ended without recording an outcome as failed; whether it
    was still running."""
    rows = _execute("UPDATE editing_importacao_web SET estado = 'falhada', erro = %s, "
                    "etapa = 'terminado', atualizado_em = now() "
                    "WHERE id = %s AND estado = 'em_curso' RETURNING id", [erro, job_id])
    return bool(rows)


def _summary(result: Any) -> dict:
    summary = {key: getattr(result, key) for key in RESULT_COUNTS}
    summary["transformacao"] = result.transformation
    summary["avisos"] = list(result.messages)
    summary["motivos"] = [[reason, count] for reason, count in result.reasons]
    return summary


def _import(job: Job) -> None:
    """The import itself (blocking): the seam with the import pipeline."""
    from sig.importing.errors import ImportFailed, ImportRefused
    from sig.importing.pipeline import Actor as ImportActor
    from sig.importing.pipeline import ImportRequest, run_import

    request = ImportRequest(sources=[Path(job.path)], theme=job.theme,
                            municipios=(job.municipio,))
    try:
        result = run_import(request, ImportActor(job.user, job.municipios), _progress(job.id))
    except ImportRefused as exc:
        _finish(job.id, "recusada", None, None, str(exc))
    except ImportFailed as exc:
        _finish(job.id, "falhada", exc.run_id, None, str(exc))
    else:
        _finish(job.id, result.status, result.run_id, _summary(result))


def run_job(job: Job) -> int:
    """Run one job to its end under the import limits, whatever happens (in the worker
    process); the process's exit status."""
    from sig.importing import limits, pipeline  # noqa: F401  (loaded before the limits count)

    settings = get_settings()
    try:
        with limits.from_settings(settings):
            _import(job)
    except MemoryError:
        _finish(job.id, "falhada", None, None, limits.memory_message(settings))
        return MEMORY_EXIT
    except Exception:
        log.exception("upload import %s failed", job.id)
        _finish(job.id, "falhada", None, None, "erro interno na importação; foi registado")
    return 0


def start(actor: Actor, theme_id: str, municipio: str, filename: str,
          save: Callable[[Path], None]) -> int:
    """Record the job, store the file (`save(path)`) and queue its import; raise
    TooManyImports (429) or QueueFull (503) when the person or this service process already
    has too many under way."""
    job_id = create_job(actor, theme_id, municipio, filename)
    path = upload_dir(job_id) / safe_name(filename)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(path)
        get_queue().submit(Job(job_id, str(path), actor.username, tuple(actor.municipios),
                               theme_id, municipio))
    except BaseException as exc:
        _finish(job_id, "recusada", None, None, getattr(exc, "message", "") or
                "o ficheiro não foi recebido")
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return job_id


def _state_label(state: str) -> str:
    labels = {"em_curso": gettext("em curso"), "concluida": gettext("concluída"),
              "simulada": gettext("simulada"), "falhada": gettext("falhada"),
              "recusada": gettext("recusada"), "interrompida": gettext("interrompida")}
    return labels.get(state, state)


def _message(job: dict) -> str:
    """The job's state in the request's language (its stage and error as recorded)."""
    if job["estado"] == "em_curso":
        total = gettext(" de %(total)s") % {"total": job["total"]} if job["total"] else ""
        return f"{job['etapa'] or gettext('a preparar')}: {job['feitos']}{total}"
    label = _state_label(job["estado"])
    if job["erro"]:
        return gettext("Importação %(state)s: %(error)s") % {"state": label, "error": job["erro"]}
    return gettext("Importação %(state)s.") % {"state": label}


def _summary_text(resumo: dict | None) -> str:
    if not resumo:
        return ""
    lines = [gettext("lidos %(read)s, inseridos %(inserted)s, atualizados %(updated)s, sem "
                     "alterações %(unchanged)s, em quarentena %(quarantined)s") % resumo]
    lines += [f"{count} × {reason}" for reason, count in resumo.get("motivos", [])]
    lines += list(resumo.get("avisos", []))
    if resumo.get("transformacao"):
        lines.append(gettext("transformação: %(name)s") % {"name": resumo["transformacao"]})
    return "\n".join(lines)


def job_status(actor: Actor, job_id: int) -> dict:
    """The job as the editor shows it; only its owner (or an administrator) may see it."""
    rows = _execute(f"SELECT {JOB_COLUMNS} FROM editing_importacao_web WHERE id = %s", [job_id])
    keys = [c.strip() for c in JOB_COLUMNS.split(",")][:-1] + ["idade"]
    job = dict(zip(keys, rows[0], strict=True)) if rows else None
    if job is None or (job["utilizador"] != actor.username and actor.role != ADMIN):
        raise NotFound(gettext("importação %(id)s desconhecida") % {"id": job_id})
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
        raise NotFound(gettext("esta importação não tem elementos em quarentena"))
    target = folder / f"quarentena-{status['importacao']}.gpkg"
    try:
        export(status["importacao"], target)
    except ImportRefused as exc:
        raise EditingError(str(exc), status=404, code="NotFound") from exc
    return target
