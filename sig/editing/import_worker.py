"""The process that imports one web upload (started by `sig.editing.import_queue`).

    python -m sig.editing.import_worker '{"id": …, "path": …, "user": …, …}'

It loads the application, then imports under the import limits (memory, CPU time), reporting
progress and the outcome in the job table, and touching the job every minute while it runs.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HEARTBEAT_SECONDS = 60.0


@contextmanager
def heartbeat(job_id: int) -> Iterator[None]:
    """Touch the job every minute while the block runs (a long validation reports nothing)."""
    from sig.editing.import_queue import touch_jobs

    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                touch_jobs([job_id])
            except Exception:  # the next beat tries again
                pass

    thread = threading.Thread(target=beat, name="sig-importacao-pulso", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sig.settings")
    import django

    django.setup()
    from sig.editing import uploads
    from sig.editing.import_queue import Job

    job = Job.from_json(argv[0])
    with heartbeat(job.id):
        return uploads.run_job(job)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
