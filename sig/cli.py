"""The `sig` console command: a thin layer over importable functions.

Messages for people are in pt-PT; details go to the log.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable

from sig.db.django_setup import require_database, setup_django

log = logging.getLogger("sig")

# Each area adds its subcommands through `register(subparsers)` in its `commands` module.
COMMAND_MODULES = (
    "sig.importing.commands",
    "sig.ogcapi.commands",
    "sig.maps.commands",
    "sig.editing.commands",
    "sig.opendata.commands",
    "sig.ocorrencias.commands",
    "sig.ops.commands",
)


def cmd_cluster(args) -> int:
    from sig.db import cluster

    action = {"start": cluster.start, "stop": cluster.stop}.get(args.action)
    if action:
        action()
    print("a correr" if cluster.is_running() else "parado")
    return 0


def cmd_bootstrap_db(args) -> int:
    from sig.db.bootstrap import bootstrap

    bootstrap()
    print("papéis, base de dados e PostGIS prontos")
    return 0


def cmd_drop_db(args) -> int:
    from sig.db.bootstrap import drop_database

    if not args.yes:
        print("erro: confirme com --yes", file=sys.stderr)
        return 2
    drop_database(args.name)
    print(f"base de dados {args.name} removida")
    return 0


def cmd_migrate(args) -> int:
    setup_django("owner")
    from django.core.management import call_command

    call_command("migrate", *args.target, interactive=False, verbosity=1)
    return 0


def cmd_makemigrations(args) -> int:
    setup_django("owner")
    from django.core.management import call_command

    options = {"check_changes": args.check, "dry_run": args.check}
    call_command("makemigrations", *args.apps, **options)
    return 0


def cmd_load_caop(args) -> int:
    from sig.territory.caop import load_official_or_fallback, loaded_count

    if args.if_empty and loaded_count() > 0:
        print("municípios já carregados")
        return 0
    result, warning = load_official_or_fallback(args.source, args.fallback)
    if warning:
        print(f"aviso: {warning}", file=sys.stderr)
    print(f"{result.municipios} municípios e {result.freguesias} freguesias carregados")
    return 0


def cmd_caop_extract(args) -> int:
    from sig.territory.extract import make_extract

    result = make_extract(args.source, args.output, simplify_m=args.simplify,
                          edition=args.edition)
    print(f"extrato da CAOP em {result.path}: {result.municipios} municípios, "
          f"{result.freguesias} freguesias, {result.size_kb:.0f} kB")
    return 0


def cmd_fetch_grids(args) -> int:
    from pathlib import Path

    from sig.grids import fetch_grids, grids_folder, missing_message

    result = fetch_grids(Path(args.fallback) if args.fallback else None)
    if result.missing:
        message = missing_message(result.missing, grids_folder())
        if not args.optional:
            print(f"erro: {message}", file=sys.stderr)
            return 2
        print(f"aviso: {message}", file=sys.stderr)
    fetched = ", ".join(result.fetched) or "nenhuma nova"
    print(f"grelhas em {grids_folder()}: {fetched}"
          + (f"; em falta: {', '.join(result.missing)}" if result.missing else ""))
    return 0


def cmd_demo(args) -> int:
    from sig.demo import generate

    counts = generate(scale=args.scale, seed=args.seed, progress=print)
    print(f"{sum(counts.values())} elementos de demonstração em {len(counts)} temas")
    return 0


def cmd_derive(args) -> int:
    from sig.derive import stale_files, write_all

    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"desatualizado: {path}")
        return 1 if stale else 0
    for path in write_all():
        print(f"escrito: {path}")
    return 0


def cmd_check(args) -> int:
    from sig.checks import check_database, passed, run_checks

    checks = run_checks((check_database,)) if args.db_only else run_checks()
    for check in checks:
        first, *rest = check.detail.splitlines() or [""]
        print(f"[{check.mark}] {check.name}: {first}")
        for line in rest:
            print(f"       {line}")
    return 0 if passed(checks) else 1


def cmd_serve(args) -> int:
    from sig.conf import get_settings
    from sig.server import serve

    require_database("app")
    return serve(port=args.port or get_settings().port, workers=args.workers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sig", description="SIG Intermunicipal da Região de "
                                     "Leiria — comandos de administração")
    parser.add_argument("-v", "--verbose", action="store_true", help="mostrar detalhes")
    sub = parser.add_subparsers(dest="command", required=True)
    _database_commands(sub)
    _territory_commands(sub)
    _data_commands(sub)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)

    p = sub.add_parser("serve", help="servir tudo numa porta")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=cmd_serve)
    return parser


def _database_commands(sub) -> None:
    p = sub.add_parser("cluster", help="cluster PostgreSQL próprio do projeto")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("bootstrap-db", help="criar papéis, base de dados e PostGIS")
    p.set_defaults(func=cmd_bootstrap_db)

    p = sub.add_parser("drop-db", help="remover uma base de dados (testes)")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true")
    p.set_defaults(func=cmd_drop_db)

    p = sub.add_parser("migrate", help="aplicar migrações")
    p.add_argument("target", nargs="*", help="aplicação e migração (como no Django)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("makemigrations", help="gerar migrações a partir do registo")
    p.add_argument("apps", nargs="*", help="aplicações (omissão: todas)")
    p.add_argument("--check", action="store_true", help="falhar se faltar uma migração")
    p.set_defaults(func=cmd_makemigrations)


def _caop_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="*", help="ficheiros, pastas ou URL OGC API (omissão: "
                        "OGC API da DGT, SIG_CAOP_URL)")


def _territory_commands(sub) -> None:
    p = sub.add_parser("load-caop", help="carregar municípios e freguesias (CAOP)")
    _caop_source(p)
    p.add_argument("--if-empty", action="store_true", help="só se não houver municípios")
    p.add_argument("--fallback", help="fonte a usar se a primeira falhar (omissão, sem fontes "
                   "indicadas: SIG_CAOP_FALLBACK, o extrato incluído em data/caop/)")
    p.set_defaults(func=cmd_load_caop)

    p = sub.add_parser("caop-extract", help="gerar o extrato da CAOP incluído no projeto")
    _caop_source(p)
    p.add_argument("--output", default=None,
                   help="GeoPackage a escrever (omissão: data/caop/caop-cimrl.gpkg)")
    p.add_argument("--simplify", type=float, default=0.0,
                   help="tolerância de simplificação em metros (omissão: 0, sem simplificar)")
    p.add_argument("--edition", help="edição da CAOP da fonte, guardada nos metadados "
                   "(omissão: a data, se a fonte for a OGC API da DGT)")
    p.set_defaults(func=cmd_caop_extract)

    p = sub.add_parser("fetch-grids", help="obter as grelhas de datum da DGT")
    p.add_argument("--fallback", help="pasta com cópias, se não houver rede")
    p.add_argument("--optional", action="store_true",
                   help="sem grelhas, só avisar (saída 0): as importações que as exigem são "
                   "recusadas")
    p.set_defaults(func=cmd_fetch_grids)


def _data_commands(sub) -> None:
    p = sub.add_parser("demo", help="dados de demonstração em todos os temas")
    p.add_argument("--scale", type=float, default=1.0, help="multiplicador do volume")
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("derive", help="gerar ficheiros derivados do registo")
    p.add_argument("--check", action="store_true", help="só verificar se estão atualizados")
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser("check", help="verificar registo, ficheiros, base de dados e grelhas")
    p.add_argument("--db-only", action="store_true", help="só a ligação à base de dados")
    p.set_defaults(func=cmd_check)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    func: Callable = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # every failure reaches the user as one clear line
        log.debug("falha", exc_info=True)
        print(f"erro: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
