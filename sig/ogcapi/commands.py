"""`sig` subcommands of sig.ogcapi: write the OpenAPI document, show collection states."""

from __future__ import annotations

from pathlib import Path


def cmd_openapi(args) -> int:
    from sig.db.django_setup import setup_django

    setup_django("reader")
    from sig.conf import get_settings
    from sig.ogcapi.openapi import write_document

    base = args.base or f"{get_settings().base_url.rstrip('/')}/ogcapi"
    path = write_document(base, Path(args.output) if args.output else None)
    print(f"escrito: {path}")
    return 0


def cmd_state(args) -> int:
    from sig.db.django_setup import setup_django

    setup_django("reader")
    from sig.ogcapi import db
    from sig.ogcapi.collections import get_collections
    from sig.ogcapi.state import read_state

    with db.connection() as conn:
        for collection in get_collections().values():
            state = read_state(conn, collection)
            print(f"{collection.id:24} {state.features:>10} elementos  versão {state.version:>8}"
                  f"  alterado {state.last_modified}")
    return 0


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
    p = sub.add_parser("ogcapi-openapi", help="escrever o documento OpenAPI da OGC API")
    p.add_argument("--output", help="ficheiro (omissão: var/ogcapi/openapi.json)")
    p.add_argument("--base", help="URL base da API (omissão: SIG_PUBLIC_URL/ogcapi)")
    p.set_defaults(func=cmd_openapi)

    p = sub.add_parser("ogcapi-state", help="versões e contagens das coleções (ETag)")
    p.set_defaults(func=cmd_state)
