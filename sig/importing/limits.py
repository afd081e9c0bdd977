"""Limits of the process an import runs in: memory (address space) and CPU time.

A file that slips past every check and still makes a reader allocate without bound (or loop)
stops its own process — Python raises MemoryError, a C library fails its allocation, or the
kernel ends the process at the CPU limit — and not the service: web uploads are imported in a
process of their own, `sig import` is one. The limits count from where the process stands when
they are applied (the program and its libraries already loaded), and are lifted afterwards.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

MB = 1024 * 1024
MEMORY_SETTING = "SIG_IMPORT_MAX_MEMORY_MB"


def address_space() -> int:
    """Bytes of address space the process uses now (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _cpu_seconds() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return int(usage.ru_utime + usage.ru_stime) + 1


def _lower(kind: int, soft: int) -> tuple[int, int]:
    """Set the soft limit `soft` (never above the hard one); returns the previous limits."""
    previous = resource.getrlimit(kind)
    hard = previous[1]
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))
    return previous


@contextmanager
def import_limits(memory_mb: int, cpu_seconds: int) -> Iterator[None]:
    """At most `memory_mb` more address space and `cpu_seconds` more CPU time (0: no limit)
    for the block."""
    saved: list[tuple[int, tuple[int, int]]] = []
    try:
        if memory_mb > 0:
            limit = address_space() + memory_mb * MB
            saved.append((resource.RLIMIT_AS, _lower(resource.RLIMIT_AS, limit)))
        if cpu_seconds > 0:
            limit = _cpu_seconds() + cpu_seconds
            saved.append((resource.RLIMIT_CPU, _lower(resource.RLIMIT_CPU, limit)))
        # A process ended at a limit leaves no core file (up to the memory limit) behind.
        saved.append((resource.RLIMIT_CORE, _lower(resource.RLIMIT_CORE, 0)))
        yield
    finally:
        for kind, previous in reversed(saved):
            resource.setrlimit(kind, previous)


def from_settings(settings) -> AbstractContextManager[None]:
    """The limits configured for imports (`SIG_IMPORT_MAX_MEMORY_MB`,
    `SIG_IMPORT_MAX_CPU_SECONDS`)."""
    return import_limits(settings.import_max_memory_mb, settings.import_max_cpu_seconds)


def memory_message(settings) -> str:
    return (f"a importação precisou de mais memória do que o limite de "
            f"{settings.import_max_memory_mb} MB ({MEMORY_SETTING}) e foi interrompida; nada "
            "foi gravado nos temas")
