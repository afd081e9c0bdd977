"""`sig` subcommands of sig.ops: backup and restore."""

from __future__ import annotations

from pathlib import Path


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


def cmd_backup(args) -> int:
    from sig.ops.backup import backup, prune

    result = backup(Path(args.output) if args.output else None)
    print(f"cópia feita: {result.path} ({_size(result.size)}, {len(result.tables)} tabelas, "
          f"{sum(result.tables.values())} linhas, {result.seconds:.1f} s)")
    if args.keep:
        for old in prune(result.path.parent, args.keep):
            print(f"removida cópia antiga: {old.name}")
    return 0


def cmd_restore(args) -> int:
    from sig.ops.backup import restore

    result = restore(Path(args.file))
    state = "verificado com o manifesto" if result.verified else "sem verificação"
    print(f"restauro concluído: {len(result.tables)} tabelas, {sum(result.tables.values())} "
          f"linhas, {state} ({result.seconds:.1f} s)")
    return 0 if result.verified or not args.require_manifest else 1


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
    p = sub.add_parser("backup", help="cópia de segurança da base de dados (pg_dump)")
    p.add_argument("--output", "-o", help="ficheiro ou pasta (omissão: SIG_BACKUP_DIR ou "
                   "var/backups)")
    p.add_argument("--keep", type=int, default=0,
                   help="manter só as N cópias mais recentes nessa pasta")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restaurar uma cópia para uma base de dados vazia")
    p.add_argument("file", help="ficheiro .dump feito por `sig backup`")
    p.add_argument("--require-manifest", action="store_true",
                   help="falhar se não houver manifesto para verificar as contagens")
    p.set_defaults(func=cmd_restore)
