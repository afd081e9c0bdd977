"""The import, framework-free: `run_import(request, actor, progress)`.

1. Plan (nothing written yet): theme, municipalities, profile, sources, layers, CRS and
   transformation — bad input is refused here with a pt-PT message.
2. A run record is created on a bookkeeping connection (autocommit, `sig_app`).
3. On the importer's connection (role `sig_importer`, the one role with temporary tables), in
   ONE transaction that first states who acts (`sig.app_user`, `sig.municipios`; for a
   personal PostGIS login, the municipalities of its editor roles): features are
   streamed in batches, mapped, transformed and COPYed into a temporary staging table,
   validated set-based in SQL, the rejects copied to the quarantine (bookkeeping connection),
   then merged into the theme through the same row-level security and triggers as every
   other write. Commit (or roll back for a dry run); the run record gets the counts.

Killing the process at any point leaves the theme as it was: the transaction never commits.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
import shapely

from sig.conf import get_settings
from sig.db.connect import connect_as
from sig.grids import grids_folder
from sig.importing import crs as crsmod
from sig.importing import fingerprint, profiles, readers, runs, sources, sqlsteps, staging
from sig.importing.errors import ImportFailed, ImportRefused
from sig.importing.mapping import Mapper
from sig.registry import Registry, Theme, get_registry

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Actor:
    """Who imports: the application user and the municipalities they may edit, or a
    personal PostGIS login (an editor whose rights come from its editor_<DICO> roles)."""

    user: str
    municipios: tuple[str, ...] = ()
    login: str | None = None


@dataclass
class ImportRequest:
    """What to import, where to, and how."""

    sources: list[str | Path]
    theme: str
    municipios: tuple[str, ...]
    profile: str | Path | None = None
    crs: str | None = None
    layers: tuple[str, ...] = ()
    sync: bool = False
    dry_run: bool = False
    allow_helmert: bool = False
    fonte: str | None = None
    batch_size: int = 50_000


@dataclass
class ImportResult:
    """The outcome of a run, as stored in its record."""

    run_id: int
    status: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deleted: int = 0
    repaired: int = 0
    transformation: str = ""
    layers: list[dict] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    reasons: list[tuple[str, int]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """read = inserted + updated + unchanged + quarantined."""
        return self.read == self.inserted + self.updated + self.unchanged + self.quarantined


@dataclass
class Plan:
    theme: Theme
    registry: Registry
    profile: profiles.LoadedProfile
    prepared: sources.Prepared
    layers: list[readers.Layer]
    skipped: list[dict]
    transforms: list[crsmod.Transformation]
    fonte: str
    messages: list[str]


# Planning -----------------------------------------------------------------------------------
def _theme(registry: Registry, theme_id: str) -> Theme:
    if theme_id not in registry:
        known = ", ".join(sorted(registry.themes))
        raise ImportRefused(f"tema desconhecido: {theme_id} (temas: {known})")
    return registry[theme_id]


def _municipios(requested: tuple[str, ...], served: tuple[str, ...]) -> None:
    if not requested:
        raise ImportRefused("indique o município (--municipio DICO)")
    unknown = [m for m in requested if m not in served]
    if unknown:
        raise ImportRefused(f"município desconhecido ou não servido: {', '.join(unknown)} "
                            f"(servidos: {', '.join(served)})")


def _transformations(layers: list[readers.Layer], request: ImportRequest,
                     profile: profiles.Profile, grids_dir: str) -> list[crsmod.Transformation]:
    # Every CRS of the run is read with PROJ's search path already set: a CRS made before
    # set_data_dir writes another WKT (ETRS89 as a datum ensemble or as a datum), and the
    # WKT is part of the fingerprints' key.
    crsmod.use_grids(grids_dir)
    result = []
    for layer in layers:
        override, origin = request.crs, "--crs"
        if not override and not layer.crs and profile.source.crs:
            override, origin = profile.source.crs, "perfil (source.crs)"
        try:
            source = crsmod.resolve(layer.crs, override, layer.crs_origin, origin)
        except ImportRefused as exc:
            raise ImportRefused(f"{layer.name}: {exc}") from exc
        result.append(crsmod.plan(source, allow_helmert=request.allow_helmert,
                                  grids_dir=grids_dir))
    return result


def _fonte(request: ImportRequest, profile: profiles.Profile, prepared: sources.Prepared) -> str:
    label = request.fonte or profile.fonte or prepared.originals[0]["nome"]
    return str(label)[:200]


def plan_import(request: ImportRequest) -> Plan:
    """Check everything that can be checked before writing; raise ImportRefused."""
    settings = get_settings()
    registry = get_registry()
    theme = _theme(registry, request.theme)
    _municipios(request.municipios, settings.municipios)
    profile = profiles.resolve(request.profile, settings.import_profiles_dir,
                               request.municipios, theme, registry)
    prepared = sources.prepare(request.sources, settings)
    try:
        found = [layer for f in prepared.files for layer in readers.discover(f)]
        layers, skipped = readers.select(found, theme.geometry.family, theme.id,
                                         request.layers, profile.profile.source)
        transforms = _transformations(layers, request, profile.profile, str(grids_folder()))
    except BaseException:
        prepared.close()
        raise
    messages = [f"ficheiro ignorado: {name}" for name in prepared.ignored]
    messages += [f"camada ignorada: {s['camada']} ({s['motivo']})" for s in skipped]
    return Plan(theme, registry, profile, prepared, layers, skipped, transforms,
                _fonte(request, profile.profile, prepared), messages)


# The actor's transaction ----------------------------------------------------------------------
def connect_actor(actor: Actor) -> psycopg.Connection:
    """The import's work connection: the importer role, the only one with staging tables."""
    return connect_as("importer", application_name="sig import")


def state_actor(cur, actor: Actor) -> None:
    """What every write transaction of an import states first (transaction-local): the user,
    and the municipalities it may edit (for a personal PostGIS login, those of its
    editor_<DICO> roles, read by the database).

    Also: room for the staging table and the run's joins in memory, small statistics samples,
    and a backend that stops working for a client that is gone (a killed import releases its
    locks at once).
    """
    cur.execute("SET temp_buffers = '256MB'")
    # The staging tables are analysed for the merge's join plans: a small sample is enough.
    cur.execute("SET default_statistics_target = 10")
    # Hash joins and aggregates over every staged key (duplicates, fingerprints, matches)
    # and the sort of the inserted rows stay in memory instead of spilling to disk.
    cur.execute("SET work_mem = '128MB'")
    cur.execute("SET client_connection_check_interval = '1s'")
    municipios = ",".join(login_municipios(cur, actor.login) if actor.login else actor.municipios)
    cur.execute("SELECT set_config('sig.app_user', %s, true), "
                "set_config('sig.municipios', %s, true)",
                (actor.login or actor.user, municipios))


def login_municipios(cur, login: str) -> list[str]:
    """The municipalities whose editor_<DICO> roles a personal login belongs to."""
    cur.execute("SELECT acl.member_municipios(r.rolname)::text[] FROM pg_catalog.pg_roles r "
                "WHERE r.rolname = %s AND r.rolcanlogin", (login,))
    row = cur.fetchone()
    if row is None:
        raise ImportRefused(f"o login PostGIS {login} não existe ou não pode entrar")
    return [str(m) for m in row[0] or []]


def check_rights(cur, municipios: tuple[str, ...], actor: Actor) -> None:
    """The database says which municipalities this actor may edit."""
    cur.execute("SELECT acl.editable_municipios()::text[]")
    allowed = [str(m) for m in (cur.fetchone()[0] or [])]
    refused = [m for m in municipios if m not in allowed]
    if refused:
        who = actor.login or actor.user
        raise ImportRefused(f"{who} não pode editar o município {', '.join(refused)} "
                            f"(pode editar: {', '.join(allowed) or 'nenhum'})")


def _territory(cur, municipios: tuple[str, ...]) -> sqlsteps.Territory:
    territory = sqlsteps.load_territory(cur, municipios)
    missing = [m for m in municipios if m not in territory.tolerance]
    if missing:
        raise ImportRefused(f"município {', '.join(missing)} sem limite na base de dados "
                            "(carregue a CAOP com `sig load-caop`)")
    return territory


# Staging ------------------------------------------------------------------------------------
def _transform(batch: readers.Batch, transformation: crsmod.Transformation):
    if transformation.transformer is None:
        return batch.geoms, None
    moved = transformation.apply(batch.geoms)
    present = np.array([g is not None for g in moved]) & ~shapely.is_empty(moved)
    bounds = shapely.bounds(moved)
    bad = present & ~np.isfinite(bounds).all(axis=1)
    for row in np.flatnonzero(bad):
        moved[row] = None
        batch.problems[row] += (
            f"coordenadas fora do domínio de {transformation.source}: não foi possível "
            "transformá-las",)
    return moved, batch.geoms


def _stage_batch(batch: readers.Batch, layer_index: int, layer: readers.Layer,
                 seqs: np.ndarray, mapper: Mapper, transformation: crsmod.Transformation,
                 keyed: tuple[np.ndarray, np.ndarray], hashes: np.ndarray,
                 wkb: np.ndarray) -> staging.StagedBatch:
    """Map and transform `batch` (whose source geometries are `wkb`) for staging."""
    geoms, originals = _transform(batch, transformation)
    mapped = mapper.map(batch.attrs, layer.name, batch.fids, batch.geoms, keyed)
    problems = [a + b for a, b in zip(batch.problems, mapped.problems, strict=True)]
    notes = [a + b for a, b in zip(batch.notes, mapped.notes, strict=True)]
    staged_wkb, original_wkb = (wkb, None) if originals is None else (shapely.to_wkb(geoms), wkb)
    return staging.StagedBatch(seqs, layer_index, batch.fids, mapped.keys, hashes, batch.attrs,
                               problems, notes, staged_wkb, original_wkb, mapped.columns)


@dataclass
class LayerStager:
    """Turns the batches of one layer into COPY text: features whose fingerprint is
    unchanged as keys alone, the others mapped and transformed in full."""

    plan: Plan
    index: int
    mapper: Mapper
    known: fingerprint.Known
    hash_key: str

    def text(self, batch: readers.Batch, seq: int) -> str:
        """The batch's COPY text."""
        layer, theme = self.plan.layers[self.index], self.plan.theme
        seqs = np.arange(seq, seq + len(batch))
        keys, key_problems = self.mapper.keys(batch.attrs, layer.name, batch.fids, batch.geoms)
        wkb = batch.geometry_wkb()
        hashes = fingerprint.row_hashes(batch.attrs, wkb, keys, self.hash_key)
        same = self.known.unchanged(hashes)
        text = staging.skipped_text(seqs[same], self.index, keys[same], hashes[same], theme)
        rest = np.flatnonzero(~same)
        if len(rest):
            part = batch if len(rest) == len(batch) else batch.take(rest)
            staged = _stage_batch(part, self.index, layer, seqs[rest], self.mapper,
                                  self.plan.transforms[self.index],
                                  (keys[rest], key_problems[rest]), hashes[rest], wkb[rest])
            text += staging.copy_text(staged, theme)
        return text


def _hash_key(plan: Plan, index: int, territory: str) -> str:
    layer, transformation = plan.layers[index], plan.transforms[index]
    codelists = [plan.registry.codelist(plan.theme.id, a.codelist).__repr__()
                 for a in plan.theme.attributes if a.codelist]
    return fingerprint.hash_key((
        plan.theme.model_dump_json(), *codelists, plan.profile.profile.model_dump_json(),
        plan.fonte, layer.name, layer.driver, repr(layer.fields), layer.encoding or "",
        transformation.source_wkt, transformation.definition, transformation.summary,
        territory))


def copy_texts(plan: Plan, batch_size: int, known: fingerprint.Known,
               territory: str = "") -> Iterator[tuple[str, int]]:
    """The COPY text of every batch of every selected layer, with its feature count."""
    mapper = Mapper(plan.profile.profile, plan.theme, plan.registry)
    hints = plan.profile.profile.source
    seq = 1
    for index, layer in enumerate(plan.layers):
        stager = LayerStager(plan, index, mapper, known, _hash_key(plan, index, territory))
        for batch in readers.batches(layer, batch_size, hints):
            yield stager.text(batch, seq), len(batch)
            seq += len(batch)


def ahead(items: Iterator, depth: int = 2) -> Iterator:
    """Produce `items` in a thread, `depth` ahead of the consumer: reading and mapping the
    next batch overlaps the database parsing the previous one. Errors reach the consumer.

    The thread also closes `items` when the consumer stops early (a database error while
    staging): a reader holds GDAL's restrictions and their lock while it is open, and only
    the thread that took the lock can give it back."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put((None, item), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put((None, done))
        except BaseException as exc:  # handed over to the consumer
            box.put((exc, None))
        finally:
            if hasattr(items, "close"):
                items.close()

    thread = threading.Thread(target=produce, name="sig-import-leitura", daemon=True)
    thread.start()
    try:
        while True:
            error, item = box.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


@contextmanager
def collector_paused(every: int = 4) -> Iterator[Callable[[], None]]:
    """Python's cycle collector held back while staging, which allocates many objects per
    batch: the automatic collections cost about a third of the staging time. The objects
    that exist before staging (modules, settings, the valid fingerprints) are frozen out of
    the collector's sight, so a collection scans only what staging made. The block calls the
    yielded function after each batch to collect that batch's cycles, and every `every`
    batches the oldest generation too (what a batch still in flight kept alive), so that the
    memory stays flat however long the file."""
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    batches = 0

    def collect() -> None:
        nonlocal batches
        batches += 1
        gc.collect(2 if batches % every == 0 else 1)

    try:
        yield collect
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _copy(cur, plan: Plan, batch_size: int, progress: Progress, known: fingerprint.Known,
          territory: str) -> int:
    """COPY every batch into imp_stg; the number of features staged."""
    counts = [layer.count for layer in plan.layers]
    total = sum(c for c in counts if c) if all(c is not None for c in counts) else None
    staged = 0
    with collector_paused() as collect, cur.copy(staging.copy_statement(plan.theme)) as copy:
        for text, count in ahead(copy_texts(plan, batch_size, known, territory)):
            copy.write(text)
            collect()
            staged += count
            progress("a ler", staged, total)
    return staged


def stage(cur, plan: Plan, batch_size: int, progress: Progress,
          known: fingerprint.Known | None = None, territory: str = "") -> int:
    """Stream every selected layer into imp_stg; returns the number of features.

    A key left alone (unchanged fingerprint) that the source now repeats makes the run stage
    everything again in full, so that every copy of the key meets the duplicate rule."""
    theme = plan.theme
    known = fingerprint.Known([]) if known is None else known
    cur.execute(staging.staging_ddl(theme))
    cur.execute("CREATE TEMP TABLE imp_layers (idx integer PRIMARY KEY, name text) "
                "ON COMMIT DROP")
    cur.executemany("INSERT INTO imp_layers VALUES (%s, %s)",
                    [(i, layer.name) for i, layer in enumerate(plan.layers)])
    staged = _copy(cur, plan, batch_size, progress, known, territory)
    repeated_key_left_alone = sqlsteps.repeated_keys(cur)  # fills imp_dup for validation
    if repeated_key_left_alone:
        cur.execute("TRUNCATE imp_stg")
        # The same keys again, none left alone: imp_dup still names the repeated ones.
        staged = _copy(cur, plan, batch_size, progress, fingerprint.Known([]), territory)
    cur.execute(staging.INDEX_STATEMENT)
    cur.execute("ANALYZE imp_stg")
    return staged


# Validation and merge ---------------------------------------------------------------------
def validate(cur, plan: Plan, territory: sqlsteps.Territory) -> dict[str, int]:
    sqlsteps.normalize_geometries(cur, plan.theme)
    sqlsteps.locate(cur, territory)
    counts = sqlsteps.counts(cur)
    if counts["read"] == 0:
        raise ImportRefused("as fontes não têm elementos")
    if counts["wrong_type"] == counts["read"]:
        family = plan.theme.geometry.family
        raise ImportRefused(
            f"todos os {counts['read']} elementos têm geometria de outro tipo: o tema "
            f"{plan.theme.id} é de {readers.FAMILIES[family]}")
    return counts


def _layer_entries(plan: Plan) -> list[dict]:
    entries = []
    for layer, transformation in zip(plan.layers, plan.transforms, strict=True):
        entry = layer.describe()
        entry["crs"] = transformation.source
        entry["crs_wkt"] = transformation.source_wkt
        entry["transformacao"] = transformation.summary
        entries.append(entry)
    return entries


def _layer_report(cur, plan: Plan) -> list[dict]:
    per_layer = sqlsteps.layer_counts(cur)
    report = _layer_entries(plan)
    for index, entry in enumerate(report):
        entry.update(per_layer.get(index, {"lidos": 0, "em_quarentena": 0, "reparados": 0}))
    return report


def _run_start(plan: Plan, request: ImportRequest, actor: Actor, pid: int) -> runs.RunStart:
    transforms = plan.transforms
    accuracies = [t.accuracy_m for t in transforms]
    return runs.RunStart(
        app_user=actor.login or actor.user, db_login=actor.login,
        municipios=list(request.municipios), theme=plan.theme.id, fonte=plan.fonte,
        files=plan.prepared.originals, profile=plan.profile.path,
        profile_sha256=plan.profile.sha256,
        crs="; ".join(dict.fromkeys(t.source for t in transforms)),
        transformation="; ".join(dict.fromkeys(t.summary for t in transforms)),
        accuracy_m=None if any(a is None for a in accuracies) else max(
            a for a in accuracies if a is not None),
        helmert=any(t.helmert_fallback for t in transforms),
        options={"sync": request.sync, "dry_run": request.dry_run, "crs": request.crs,
                 "layers": list(request.layers), "allow_helmert": request.allow_helmert},
        layers=_layer_entries(plan), messages=plan.messages,
        backend_pid=pid)


@dataclass
class Session:
    """The two connections of a run and its record."""

    work: psycopg.Connection
    book: psycopg.Connection
    run_id: int
    territory: sqlsteps.Territory
    counts: dict[str, int] = field(default_factory=dict)


def _write(cur, plan: Plan, request: ImportRequest, run_id: int, counts: dict[str, int],
           clock: Clock) -> None:
    """Merge into the theme, store the fingerprints, commit (or roll back a dry run)."""
    counts.update(sqlsteps.merge(cur, plan.theme, plan.fonte, run_id, request.sync,
                                 request.municipios))
    counts["unchanged"] += counts["skipped"]
    clock.lap("gravacao")
    if request.dry_run:
        cur.connection.rollback()
    else:
        cur.connection.commit()
    clock.lap("confirmacao")


def _execute(plan: Plan, request: ImportRequest, session: Session,
             progress: Progress) -> ImportResult:
    work, book, run_id = session.work, session.book, session.run_id
    cur, bcur = work.cursor(), book.cursor()
    clock = Clock()
    known = fingerprint.known(cur, plan.theme.table, plan.fonte, request.municipios)
    signature = fingerprint.territory_signature(cur, request.municipios)
    clock.lap("impressoes")
    stage(cur, plan, request.batch_size, progress, known, signature)
    clock.lap("leitura")
    progress("a validar", 0, None)
    counts = session.counts = validate(cur, plan, session.territory)
    clock.lap("validacao")
    sqlsteps.transfer(cur, bcur, sqlsteps.QUARANTINE_OUT, sqlsteps.QUARANTINE_IN, run_id)
    sqlsteps.transfer(cur, bcur, sqlsteps.NOTES_OUT, sqlsteps.NOTES_IN, run_id)
    layers, reasons = _layer_report(cur, plan), sqlsteps.top_reasons(cur)
    clock.lap("quarentena")
    accepted = counts["read"] - counts["quarantined"]
    progress("a gravar", 0, accepted)
    _write(cur, plan, request, run_id, counts, clock)
    progress("a gravar", accepted, accepted)
    status = "simulada" if request.dry_run else "concluida"
    runs.finish(book, run_id, status, counts, layers, plan.messages)
    log.info("importação %s: %s", run_id, clock.laps)
    return ImportResult(run_id, status, **{k: counts[k] for k in (
        "read", "inserted", "updated", "unchanged", "quarantined", "deleted", "repaired")},
        transformation="; ".join(dict.fromkeys(t.summary for t in plan.transforms)),
        layers=layers, messages=plan.messages, reasons=reasons, timings=clock.laps)


class Clock:
    """Seconds spent in each step of a run (reported by the benchmark)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.start, 3)
        self.start = now


def _rollback(work: psycopg.Connection) -> None:
    """Roll back; a connection already lost has rolled back on the server anyway."""
    try:
        work.rollback()
    except psycopg.Error:
        log.warning("ligação da importação perdida antes do rollback", exc_info=True)


def _database_message(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "memória esgotada (limite SIG_IMPORT_MAX_MEMORY_MB)"
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        hint = f" ({exc.diag.message_hint})" if exc.diag.message_hint else ""
        return f"a base de dados recusou a gravação: {exc.diag.message_primary}{hint}"
    return str(exc) or type(exc).__name__


def run_import(request: ImportRequest, actor: Actor,
               progress: Progress | None = None) -> ImportResult:
    """Import `request` as `actor`; the single entry point of the CLI and the web editor.

    Raises ImportRefused (bad input, no rights: nothing written, maybe a `recusada` run
    record) or ImportFailed (the merge failed and was rolled back; the run record says why).
    """
    progress = progress or (lambda stage, done, total: None)
    plan = plan_import(request)
    try:
        with connect_actor(actor) as work, runs.bookkeeping() as book:
            cur = work.cursor()
            state_actor(cur, actor)
            check_rights(cur, request.municipios, actor)
            territory = _territory(cur, request.municipios)
            # Runs of the same theme and source wait for each other instead of colliding.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                        (f"sig import {plan.theme.id} {plan.fonte}",))
            runs.mark_interrupted(book)
            run_id = runs.create(book, _run_start(plan, request, actor, work.info.backend_pid))
            return _guarded(plan, request, Session(work, book, run_id, territory), progress)
    finally:
        plan.prepared.close()


def _guarded(plan: Plan, request: ImportRequest, session: Session,
             progress: Progress) -> ImportResult:
    work, book, run_id = session.work, session.book, session.run_id
    try:
        result = _execute(plan, request, session, progress)
    except ImportRefused as exc:
        _rollback(work)
        runs.fail(book, run_id, "recusada", str(exc))
        raise
    except (Exception, KeyboardInterrupt) as exc:
        _rollback(work)
        message = _database_message(exc)
        status = "interrompida" if isinstance(exc, KeyboardInterrupt) else "falhada"
        runs.fail(book, run_id, status, message, session.counts)
        log.warning("importação %s %s", run_id, status, exc_info=True)
        # Interrupted, or past the process's memory limit: the caller reports it.
        if isinstance(exc, KeyboardInterrupt | MemoryError):
            raise
        raise ImportFailed(f"importação {run_id} falhada; nada foi gravado nos temas: {message}",
                           run_id) from exc
    progress("concluído", result.read, result.read)
    return result
