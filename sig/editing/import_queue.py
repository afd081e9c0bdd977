"""Web uploads imported outside the request worker: a bounded queue, a few at a time, each in
a process of its own.

- One person has at most `SIG_IMPORT_MAX_PER_USER` uploads waiting or running (counted in the
  job table, so across service processes; `sig.editing.uploads.create_job`): more get 429.
- Each service process keeps at most `SIG_IMPORT_QUEUE_SIZE` uploads waiting: more get 503.
- The whole service runs at most `SIG_IMPORT_MAX_RUNNING` imports at once: a slot is a
  session-level advisory lock, held by the process that started the import for as long as
  the import runs, and released by PostgreSQL if that process dies.
- Each import runs in a child process (`python -m sig.editing.import_worker`) whose memory and
  CPU time are limited (`SIG_IMPORT_MAX_MEMORY_MB`, `SIG_IMPORT_MAX_CPU_SECONDS`, and three
  times that on the clock): a file that exhausts them ends that process, never the web worker.
  The child records the outcome; when it dies first, this module does, with the reason.

Waiting jobs are touched every minute, so the editor does not take them for interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from sig.conf import BASE_DIR, get_settings
from sig.db.connect import connect_as
from sig.editing.errors import EditingError

log = logging.getLogger(__name__)

# Advisory-lock class of the running-import slots (the slot number is the second key).
SLOT_LOCK_CLASS = 7_316_001
SLOT_POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 60.0
# Exit status of a worker that ran out of memory (Python's MemoryError, handled).
MEMORY_EXIT = 3
# Exit status given to a worker that outlived its time (it is killed).
TIMEOUT_EXIT = -1000
# Wall-clock time a worker may take, as a multiple of its CPU-time limit (it may wait on the
# database, which its CPU time does not count).
WALL_CLOCK_FACTOR = 3
# Signals that end a process whose allocation failed inside a C library, or the kernel's
# out-of-memory killer.
MEMORY_SIGNALS = {signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS}
CHILD_ENVIRONMENT = {
    # Fewer per-thread memory arenas and thread pools: the address space is the budget.
    "MALLOC_ARENA_MAX": "2",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}


class QueueFull(EditingError):
    """Too many uploads waiting in this service process."""

    status = 503
    code = "ServiceUnavailable"


@dataclass(frozen=True)
class Job:
    """One upload to import: what the child process needs, nothing more."""

    id: int
    path: str
    user: str
    municipios: tuple[str, ...]
    theme: str
    municipio: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        data = json.loads(text)
        return cls(**{**data, "municipios": tuple(data["municipios"])})


def touch_jobs(job_ids: list[int]) -> None:
    """Mark jobs as alive (the editor takes a job silent for 15 minutes as interrupted)."""
    if not job_ids:
        return
    with connect_as("app", autocommit=True, application_name="sig-editor (fila)") as conn:
        conn.execute("UPDATE editing_importacao_web SET atualizado_em = now() "
                     "WHERE id = ANY(%s) AND estado = 'em_curso'", [job_ids])


def _stage(job_id: int, stage: str) -> None:
    with connect_as("app", autocommit=True, application_name="sig-editor (fila)") as conn:
        conn.execute("UPDATE editing_importacao_web SET etapa = %s, atualizado_em = now() "
                     "WHERE id = %s AND estado = 'em_curso'", [stage, job_id])


def _try_slot(conn: psycopg.Connection, slots: int) -> bool:
    for slot in range(slots):
        row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)",
                           [SLOT_LOCK_CLASS, slot]).fetchone()
        if row and row[0]:
            return True
    return False


@contextmanager
def running_slot(slots: int) -> Iterator[None]:
    """Wait for one of the service's `slots`; held until the block ends (or this process
    dies: the session, and so the lock, ends with it)."""
    with connect_as("app", autocommit=True, application_name="sig-editor (vez)") as conn:
        while not _try_slot(conn, max(slots, 1)):
            time.sleep(SLOT_POLL_SECONDS)
        yield


def _child_environment() -> dict[str, str]:
    env = {**os.environ, **CHILD_ENVIRONMENT}
    env.setdefault("DJANGO_SETTINGS_MODULE", "sig.settings")
    env.pop("SPATIALITE_SECURITY", None)  # SpatiaLite's file functions stay off
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BASE_DIR), env.get("PYTHONPATH")) if p)
    return env


def run_child(job: Job) -> int:
    """Run the job's import in a child process; its exit status (TIMEOUT_EXIT when it ran
    out of time and was killed)."""
    command = [sys.executable, "-m", "sig.editing.import_worker", job.to_json()]
    cpu = get_settings().import_max_cpu_seconds
    try:
        done = subprocess.run(command, env=_child_environment(), stdin=subprocess.DEVNULL,
                              check=False, timeout=cpu * WALL_CLOCK_FACTOR if cpu else None)
    except subprocess.TimeoutExpired:
        return TIMEOUT_EXIT
    return done.returncode


def ending_message(returncode: int) -> str:
    """Why a child process ended before recording its outcome."""
    settings = get_settings()
    if returncode == TIMEOUT_EXIT:
        return (f"a importação demorou mais do que {WALL_CLOCK_FACTOR} × "
                f"{settings.import_max_cpu_seconds} s (SIG_IMPORT_MAX_CPU_SECONDS) e foi "
                "interrompida; nada foi gravado nos temas")
    if returncode == MEMORY_EXIT or -returncode in MEMORY_SIGNALS:
        from sig.importing.limits import memory_message

        return memory_message(settings)
    if -returncode == signal.SIGXCPU:
        return (f"a importação excedeu o limite de {settings.import_max_cpu_seconds} s de "
                "processador (SIG_IMPORT_MAX_CPU_SECONDS) e foi interrompida; nada foi gravado "
                "nos temas")
    return "erro interno na importação; foi registado"


class ImportQueue:
    """The uploads of this service process, imported by a few worker threads that each wait
    for a slot of the service and then run one child process."""

    def __init__(self, size: int, workers: int):
        self.jobs: queue.Queue[Job] = queue.Queue(maxsize=max(size, 1))
        self.workers = max(workers, 1)
        self.waiting: set[int] = set()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def submit(self, job: Job) -> None:
        """Queue the job, or raise QueueFull."""
        self._start()
        with self.lock:
            try:
                self.jobs.put_nowait(job)
            except queue.Full:
                raise QueueFull("o servidor tem demasiadas importações em espera; tente de novo "
                                "dentro de alguns minutos") from None
            self.waiting.add(job.id)

    def _start(self) -> None:
        with self.lock:
            self.threads = [t for t in self.threads if t.is_alive()]
            if self.threads:
                return
            targets = [self._work] * self.workers + [self._keep_alive]
            for n, target in enumerate(targets):
                thread = threading.Thread(target=target, name=f"sig-importacoes-{n}",
                                          daemon=True)
                thread.start()
                self.threads.append(thread)

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                self._run(job)
            except Exception:
                log.exception("web upload %s: the import could not be run", job.id)
            finally:
                self.jobs.task_done()

    def _run(self, job: Job) -> None:
        from sig.editing import uploads

        try:
            with running_slot(get_settings().import_max_running):
                self._done_waiting(job.id)
                _stage(job.id, "a iniciar")
                returncode = run_child(job)
            if returncode != 0 and uploads.finish_if_running(job.id, ending_message(returncode)):
                log.warning("web upload %s: import process ended with %s", job.id, returncode)
        finally:
            self._done_waiting(job.id)
            shutil.rmtree(Path(job.path).parent, ignore_errors=True)

    def _done_waiting(self, job_id: int) -> None:
        with self.lock:
            self.waiting.discard(job_id)

    def _keep_alive(self) -> None:
        while True:
            time.sleep(HEARTBEAT_SECONDS)
            with self.lock:
                waiting = sorted(self.waiting)
            try:
                touch_jobs(waiting)
            except Exception:
                log.warning("could not touch waiting web uploads", exc_info=True)


_QUEUE: ImportQueue | None = None
_QUEUE_LOCK = threading.Lock()


def get_queue() -> ImportQueue:
    """The queue of this service process."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            settings = get_settings()
            _QUEUE = ImportQueue(settings.import_queue_size, settings.import_max_running)
        return _QUEUE
