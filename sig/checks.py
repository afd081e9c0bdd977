"""`sig check`: the registry, derived files, database, PostGIS/PROJ and the DGT datum grids.

A failed check is an error (exit 1); a check marked `warning` only warns: the DGT grids, whose
absence refuses legacy-datum imports but stops nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sig.conf import get_settings
from sig.db.connect import DatabaseUnavailable, connect_as, describe


@dataclass
class Check:
    """One outcome: `ok`, or a problem that is an error unless `warning` is set."""

    name: str
    ok: bool
    detail: str
    warning: bool = False

    @property
    def mark(self) -> str:
        """The tag printed before the check's name."""
        return "ok  " if self.ok else ("aviso" if self.warning else "ERRO")


def check_registry() -> Check:
    from sig.registry import RegistryError, load_registry

    try:
        registry = load_registry()
    except RegistryError as exc:
        return Check("registo de camadas", False, "\n".join(exc.problems))
    return Check("registo de camadas", True, f"{len(registry.themes)} temas válidos")


def check_ocorrencias_categories() -> Check:
    from sig.ocorrencias.categories import load_categories
    from sig.registry import RegistryError

    try:
        categories = load_categories()
    except RegistryError as exc:  # CategoryError, or the registry it refers to
        return Check("categorias de ocorrências", False, "\n".join(exc.problems))
    return Check("categorias de ocorrências", True, f"{len(categories.by_code)} categorias válidas")


def check_derived() -> Check:
    from sig.derive import stale_files

    stale = stale_files()
    if stale:
        return Check("ficheiros derivados", False,
                     f"desatualizados: {', '.join(stale)} (corra `sig derive`)")
    return Check("ficheiros derivados", True, "atualizados")


def check_database() -> Check:
    settings = get_settings()
    try:
        with connect_as("app") as conn:
            row = conn.execute("SELECT postgis_lib_version(), postgis_proj_version(), "
                               "current_setting('server_version'), "
                               "(SELECT count(*) FROM municipio)").fetchone()
    except DatabaseUnavailable as exc:
        return Check("base de dados", False, str(exc))
    except Exception as exc:  # schema missing: report, do not crash
        return Check("base de dados", False, f"{describe(settings.database_url)}: {exc}")
    assert row is not None
    postgis, proj, server, municipios = row
    return Check("base de dados", True,
                 f"PostgreSQL {server}, PostGIS {postgis}, PROJ {proj}, {municipios} municípios")


def check_database_schema() -> Check:
    """Stage 4 of the registry check: every theme has its table and columns."""
    from sig.registry import get_registry

    problems = []
    try:
        with connect_as("app") as conn:
            for theme in get_registry():
                rows = conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name = %s", (theme.table,))
                columns = {r[0] for r in rows}
                if not columns:
                    problems.append(f"{theme.id}: tabela em falta (corra `sig migrate`)")
                    continue
                missing = {a.name for a in theme.attributes} - columns
                if missing:
                    problems.append(f"{theme.id}: colunas em falta: {', '.join(sorted(missing))}")
    except DatabaseUnavailable as exc:
        return Check("tabelas dos temas", False, str(exc))
    return Check("tabelas dos temas", not problems, "\n".join(problems) or "todas presentes")


def check_grids() -> Check:
    """The DGT datum grids: missing ones are a warning (legacy-datum imports are refused)."""
    from sig.grids import grids_folder, missing_grids, missing_message

    folder = grids_folder()
    missing = missing_grids(folder)
    if missing:
        detail = missing_message(missing, folder).removeprefix("grelhas da DGT ")
        return Check("grelhas da DGT", False, detail, warning=True)
    return Check("grelhas da DGT", True, f"presentes em {folder}")


CHECKS: tuple[Callable[[], Check], ...] = (
    check_registry, check_ocorrencias_categories, check_derived, check_database,
    check_database_schema, check_grids,
)


def run_checks(checks=CHECKS) -> list[Check]:
    """Run `checks` in order."""
    return [check() for check in checks]


def passed(checks: list[Check]) -> bool:
    """No check failed (warnings do not count)."""
    return all(c.ok or c.warning for c in checks)
