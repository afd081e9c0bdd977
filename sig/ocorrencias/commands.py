"""`sig` subcommands of the occurrences:

    sig ocorrencias purge [--months N]   erase personal data past the retention (as the owner)
    sig ocorrencias check                check the categories file
    sig open311 key NAME                 a new API key for an Open311 application (shown once)
    sig open311 revoke NAME
"""

from __future__ import annotations


def cmd_purge(args) -> int:
    from sig.conf import get_settings
    from sig.db.connect import connect_as
    from sig.ocorrencias.purge import purge

    months = args.months if args.months is not None else \
        get_settings().ocorrencias_retention_months
    with connect_as("owner") as owner:
        done = purge(owner, months)
    print(f"dados pessoais apagados: {done.contactos} contactos, {done.fotografias} "
          f"fotografias, {done.ocorrencias} ocorrências fechadas há mais de {months} meses")
    return 0


def cmd_check(args) -> int:
    from sig.ocorrencias.categories import CategoryError, load_categories

    try:
        categories = load_categories()
    except CategoryError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    print(f"{len(categories.by_code)} categorias válidas")
    return 0


def cmd_key(args) -> int:
    from sig.db.django_setup import setup_django

    setup_django("app")
    from sig.ocorrencias.keys import new_key

    print(f"api_key de {args.name} (mostrada só agora): {new_key(args.name)}")
    return 0


def cmd_revoke(args) -> int:
    from sig.db.django_setup import setup_django

    setup_django("app")
    from sig.ocorrencias.keys import revoke

    print("revogada" if revoke(args.name) else f"nenhuma api_key ativa de {args.name}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("ocorrencias", help="ocorrências da Linha Verde")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("purge", help="apagar dados pessoais fora do prazo de conservação")
    q.add_argument("--months", type=int, help="meses após o fecho (omissão: "
                   "SIG_OCORRENCIAS_RETENTION_MONTHS)")
    q.set_defaults(func=cmd_purge)
    q = actions.add_parser("check", help="verificar o ficheiro de categorias")
    q.set_defaults(func=cmd_check)
    p = sub.add_parser("open311", help="aplicações clientes Open311 GeoReport v2")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("key", help="nova api_key de uma aplicação (mostrada uma vez)")
    q.add_argument("name")
    q.set_defaults(func=cmd_key)
    q = actions.add_parser("revoke", help="revogar a api_key de uma aplicação")
    q.add_argument("name")
    q.set_defaults(func=cmd_revoke)
