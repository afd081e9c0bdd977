"""`sig dados …`: export a theme, refresh the cached statistics, write or check a QGIS project."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

QGIS_CHECK = Path(__file__).parent / "qgis_check.py"


def cmd_export(args) -> int:
    """Write one download to a file, with progress (the same code the web serves)."""
    from sig.opendata import downloads
    from sig.opendata.exports import FORMATS, parse_download

    job = parse_download(args.tema, args.municipio, args.formato, args.crs)
    total = downloads.feature_count(job)
    target = Path(args.saida or job.filename)
    print(f"{job.filename}: {total} elementos")

    def progress(done: int) -> None:
        print(f"\r  {done}/{total} ({100 * done // max(total, 1)} %)", end="", flush=True)

    if job.format.key in ("gpkg", "shp"):
        folder = downloads.scratch_dir()
        try:
            built = downloads.build_file(job, folder, progress=progress)
            built.replace(target)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print()
    else:
        stream = downloads.open_stream(job)
        try:
            with target.open("wb") as handle:
                for chunk in stream:
                    handle.write(chunk)
        finally:
            stream.close()
    print(f"escrito: {target} ({FORMATS[job.format.key].label})")
    return 0


def cmd_refresh(args) -> int:
    """Recompute the catalogue statistics and the indicators now."""
    from sig.db.django_setup import setup_django

    setup_django("app")
    from sig.opendata import catalog, indicators
    from sig.opendata.snapshots import cached

    for key, compute in ((catalog.STATS_KEY, catalog.compute_stats),
                         (indicators.KEY, indicators.compute)):
        snapshot = cached(key, compute, force=True)
        print(f"{key}: calculado em {snapshot.seconds:.2f} s")
    return 0


def cmd_qgis(args) -> int:
    """Write the QGIS project for a public address of the service."""
    from sig.opendata import qgisproject, territory
    from sig.opendata.publisher import links_for

    text = qgisproject.project_xml(links_for(args.url), territory.areas(), args.lingua)
    Path(args.saida).write_text(text, encoding="utf-8")
    print(f"escrito: {args.saida}")
    return 0


def cmd_check_qgis(args) -> int:
    """Open a project in headless QGIS (Debian's python3-qgis) and report every layer."""
    runtime = Path(tempfile.mkdtemp(prefix="qgis-"))  # Qt wants a private runtime folder
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
           "XDG_RUNTIME_DIR": str(runtime)}
    try:
        command = [args.python, "-I", str(QGIS_CHECK), args.projeto]
        command += [str(Path(args.imagem).resolve())] if args.imagem else []
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=args.tempo)
    except FileNotFoundError:
        print(f"erro: Python do QGIS não encontrado: {args.python}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    print(done.stdout, end="")
    if done.returncode:
        print(done.stderr[-2000:], end="", file=sys.stderr)
    return done.returncode


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
    p = sub.add_parser("dados", help="dados abertos: transferências, indicadores, projeto QGIS")
    own = p.add_subparsers(dest="acao", required=True)

    e = own.add_parser("exportar", help="exportar um tema para um ficheiro")
    e.add_argument("tema")
    e.add_argument("--municipio", default="cimrl", help="código DICO ou cimrl (omissão)")
    e.add_argument("--formato", default="gpkg", choices=["gpkg", "geojson", "csv", "shp"])
    e.add_argument("--crs", default="3763", help="3763 (omissão) ou 4326")
    e.add_argument("-o", "--saida", help="ficheiro de saída (omissão: nome da transferência)")
    e.set_defaults(func=cmd_export)

    a = own.add_parser("atualizar", help="recalcular já as estatísticas e os indicadores")
    a.set_defaults(func=cmd_refresh)

    q = own.add_parser("qgis", help="escrever o projeto QGIS (.qgs) do serviço")
    q.add_argument("--url", required=True, help="endereço público do serviço")
    q.add_argument("--lingua", default="pt", choices=["pt", "en"])
    q.add_argument("-o", "--saida", default="sig-cimrl.qgs")
    q.set_defaults(func=cmd_qgis)

    v = own.add_parser("verificar-qgis", help="abrir um projeto no QGIS sem ecrã e validar camadas")
    v.add_argument("projeto")
    v.add_argument("--python", default="/usr/bin/python3", help="Python com o módulo qgis")
    v.add_argument("--tempo", type=int, default=300, help="limite em segundos")
    v.add_argument("--imagem", help="desenhar também a vista do projeto neste PNG")
    v.set_defaults(func=cmd_check_qgis)
