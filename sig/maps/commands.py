"""`sig` subcommands of sig.maps: `sig seed` and `sig import-raster`."""

from __future__ import annotations

import sys
from pathlib import Path


def cmd_seed(args) -> int:
    from sig.maps.seed import SeedError, SeedPlan, clear, parse_levels, seed

    try:
        plan = SeedPlan(layers=args.layer or [], municipios=args.municipio or [],
                        grids=args.grid or ["PTTM06", "GLOBAL_WEBMERCATOR"],
                        levels=parse_levels(args.levels))
        if args.limpar:
            clear(plan)
            return 0
        count = seed(plan, processes=args.processos)
    except SeedError as exc:
        print(f"erro: {exc}", file=sys.stderr)
        return 2
    print(f"pré-geração concluída: {count} tarefas")
    return 0


def cmd_import_raster(args) -> int:
    import logging

    from sig.maps.rasters import RasterImportError, import_raster

    logging.getLogger("rasterio").setLevel(logging.WARNING)  # GDAL's own words: in the log
    from sig.maps.seed import load
    from sig.maps.tiles import clear_all, tile_managers

    try:
        result = import_raster(Path(args.ficheiro), args.nome, args.tipo, args.titulo,
                               progress=lambda line: print(line, flush=True))
    except RasterImportError as exc:
        print(f"erro: {exc}", file=sys.stderr)
        return 2
    _settings, _maps, proxy, _conf = load()  # runtime files now include the raster
    for manager in tile_managers(proxy, f"{args.nome}_cache"):
        clear_all(manager)  # a re-import must not show old tiles
    layer = result.layer
    print(f"{layer.nome}: {result.width}×{result.height} px, {result.bands} banda(s), "
          f"{result.resolution:g} m, {layer.path.name}"
          + (f" + {layer.relief_path.name}" if layer.relief_path else ""))
    return 0


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
    p = sub.add_parser("seed", help="pré-gerar (ou limpar) teselas dos mapas")
    p.add_argument("--municipio", action="append", metavar="DICO",
                   help="só este município (repetível; omissão: todos os servidos)")
    p.add_argument("--layer", action="append", metavar="ID",
                   help="só esta camada (repetível; omissão: todas)")
    p.add_argument("--levels", metavar="A-B", help="níveis da grelha (omissão: PTTM06 0-9, "
                   "GLOBAL_WEBMERCATOR 0-15)")
    p.add_argument("--grid", action="append", choices=["PTTM06", "GLOBAL_WEBMERCATOR"],
                   help="só esta grelha (repetível; omissão: as duas)")
    p.add_argument("--processos", type=int, default=2, help="processos de desenho (omissão 2)")
    p.add_argument("--limpar", action="store_true", help="apagar teselas em vez de as gerar")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("import-raster", help="importar um GeoTIFF (ortofoto ou MDT) como COG")
    p.add_argument("ficheiro", help="GeoTIFF de origem (qualquer sistema de coordenadas)")
    p.add_argument("--nome", required=True, help="identificador da camada (ex. mdt_leiria)")
    p.add_argument("--tipo", choices=["ortofoto", "mdt"], help="omissão: deduzido das bandas")
    p.add_argument("--titulo", help="título mostrado nos mapas")
    p.set_defaults(func=cmd_import_raster)
