"""`sig import`: harmonized import of municipal files (thin layer over sig.importing.pipeline).

    sig import --municipio DICO --theme TEMA [--profile FICHEIRO] [--crs EPSG:N]
               [--layer NOME] [--sync] [--dry-run] [--allow-helmert] FONTE...
    sig import --suggest-profile --theme TEMA [--municipio DICO] FONTE...
    sig import --quarantine RUN [-o FICHEIRO.gpkg]
    sig import --runs

Imports and profile drafts run under the import limits of memory and CPU time
(`SIG_IMPORT_MAX_MEMORY_MB`, `SIG_IMPORT_MAX_CPU_SECONDS`): a file that exhausts them ends the
command with a clear message.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from sig.importing.errors import ImportFailed, ImportRefused


def _municipios(value: str | None) -> tuple[str, ...]:
    from sig.conf import get_settings

    if not value:
        return ()
    if value.strip().lower() in ("todos", "all", "*"):
        return get_settings().municipios
    return tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


def _summary(result) -> list[str]:
    lines = [
        f"importação {result.run_id}: {result.status}",
        f"  lidos {result.read} = inseridos {result.inserted} + atualizados {result.updated} + "
        f"sem alterações {result.unchanged} + em quarentena {result.quarantined}",
        f"  removidos (--sync) {result.deleted}; geometrias reparadas {result.repaired}",
        f"  transformação: {result.transformation}",
    ]
    lines += [f"  aviso: {m}" for m in result.messages[:20]]
    if result.reasons:
        lines.append("  motivos de quarentena:")
        lines += [f"    {n:>7} × {reason}" for reason, n in result.reasons]
    if result.quarantined:
        lines.append(f"  exportar: sig import --quarantine {result.run_id} "
                     f"-o quarentena-{result.run_id}.gpkg")
    return lines


def _limited[T](work: Callable[[], T]) -> T:
    """Run `work` under the import limits; running out of memory is one clear error."""
    from sig.conf import get_settings
    from sig.importing import limits

    settings = get_settings()
    try:
        with limits.from_settings(settings):
            return work()
    except MemoryError:
        raise ImportFailed(limits.memory_message(settings)) from None


def _run(args) -> int:
    from sig.importing.pipeline import Actor, ImportRequest, run_import
    from sig.importing.progress import TerminalProgress

    if not args.theme or not args.sources:
        raise ImportRefused("indique --theme TEMA, --municipio DICO e pelo menos uma FONTE")
    municipios = _municipios(args.municipio)
    request = ImportRequest(
        sources=list(args.sources), theme=args.theme, municipios=municipios,
        profile=args.profile, crs=args.crs, layers=tuple(args.layer), sync=args.sync,
        dry_run=args.dry_run, allow_helmert=args.allow_helmert, fonte=args.fonte,
        batch_size=args.batch_size)
    actor = Actor(user=args.user or getpass.getuser(), municipios=municipios, login=args.login)
    progress = TerminalProgress()
    try:
        result = _limited(lambda: run_import(request, actor, progress))
    finally:
        progress.close()
    print("\n".join(_summary(result)))
    return 0


def _suggest(args) -> int:
    from sig.importing.suggest import draft_profile

    if not args.theme or not args.sources:
        raise ImportRefused("indique --theme TEMA e pelo menos uma FONTE")
    text = _limited(lambda: draft_profile(list(args.sources), args.theme, tuple(args.layer)))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"rascunho de perfil escrito em {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _quarantine(args) -> int:
    from sig.importing.quarantine import export

    output = args.output or f"quarentena-{args.quarantine}.gpkg"
    written = export(args.quarantine, output)
    for layer, count in written.items():
        print(f"{layer}: {count}")
    print(f"{sum(written.values())} elementos em quarentena escritos em {output}")
    return 0


def _runs(args) -> int:
    from sig.importing import runs

    with runs.bookkeeping() as conn:
        runs.mark_interrupted(conn)
        rows = runs.recent(conn, args.last)
    for r in rows:
        print(f"{r['id']:>6} {r['started_at']:%Y-%m-%d %H:%M} {r['status']:<12} {r['theme']:<20} "
              f"{','.join(r['municipios']):<10} lidos {r['read']} inseridos {r['inserted']} "
              f"atualizados {r['updated']} quarentena {r['quarantined']} {r['fonte']}")
    return 0


def cmd_import(args) -> int:
    if args.quarantine is not None:
        return _quarantine(args)
    if args.runs:
        return _runs(args)
    if args.suggest_profile:
        return _suggest(args)
    return _run(args)


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
    p = sub.add_parser("import", help="importar ficheiros municipais para um tema harmonizado",
                       description="Importa ficheiros (shapefile, GeoPackage, GeoJSON, CSV, "
                       "XLSX, KML, DXF; soltos, em zip ou numa pasta) para um tema, validando "
                       "e pondo em quarentena o que não serve.")
    p.add_argument("sources", nargs="*", metavar="FONTE", help="ficheiro, zip ou pasta")
    p.add_argument("--municipio", help="DICO (vários separados por vírgulas; 'todos')")
    p.add_argument("--theme", help="tema de destino (ver layers/)")
    p.add_argument("--profile", help="perfil de mapeamento (omissão: data/profiles/DICO/TEMA.yml)")
    p.add_argument("--crs", help="sistema de coordenadas da fonte, p. ex. EPSG:27493")
    p.add_argument("--layer", action="append", default=[], help="camada a importar (repetível)")
    p.add_argument("--sync", action="store_true",
                   help="remover os elementos desta fonte que já não estão nela")
    p.add_argument("--dry-run", action="store_true", help="validar e contar sem gravar")
    p.add_argument("--allow-helmert", action="store_true",
                   help="aceitar a aproximação de Helmert quando falta a grelha da DGT")
    p.add_argument("--fonte", help="nome da fonte guardado em cada elemento (omissão: perfil)")
    p.add_argument("--user", help="utilizador que importa (omissão: utilizador do sistema)")
    p.add_argument("--login", help="importar com este login PostGIS pessoal (editor)")
    p.add_argument("--batch-size", type=int, default=50_000, help="elementos por lote")
    p.add_argument("--suggest-profile", action="store_true",
                   help="escrever um rascunho de perfil a partir da fonte")
    p.add_argument("--quarantine", type=int, metavar="RUN",
                   help="exportar a quarentena da importação RUN para GeoPackage")
    p.add_argument("--runs", action="store_true", help="listar as últimas importações")
    p.add_argument("--last", type=int, default=20, help="quantas importações listar")
    p.add_argument("-o", "--output", help="ficheiro de saída")
    p.set_defaults(func=cmd_import)
