"""`sig` subcommands of sig.editing: people, API tokens and QGIS logins.

    sig user add NAME --role editor|viewer|admin [--municipio DICO[,DICO]] [--password-stdin]
    sig user list
    sig token NAME
    sig grant-qgis NAME [--password-stdin]
    sig revoke NAME
"""

from __future__ import annotations

import sys


def _setup() -> None:
    from sig.db.django_setup import setup_django

    setup_django("app")


def _password(args) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ValueError("nenhuma palavra-passe recebida em stdin")
    return password


def cmd_user_add(args) -> int:
    _setup()
    from sig.editing.accounts import add_user

    dicos = [d for d in (args.municipio or "").split(",") if d.strip()]
    result = add_user(args.name, args.role, dicos, password=_password(args))
    print(f"utilizador {args.name} {'criado' if result.created else 'atualizado'}: "
          f"{args.role}{' ' + ','.join(dicos) if dicos else ''}")
    if result.generated_password:
        print(f"palavra-passe inicial (mostrada só agora): {result.generated_password}")
    return 0


def cmd_user_list(args) -> int:
    _setup()
    from django.contrib.auth import get_user_model

    from sig.editing.models import Perfil

    for user in get_user_model().objects.order_by("username"):
        perfil = Perfil.objects.filter(user=user).first()
        role = perfil.papel if perfil else ("admin" if user.is_superuser else "viewer")
        dicos = ",".join(perfil.municipios.values_list("dico", flat=True)) if perfil else ""
        state = "ativo" if user.is_active else "revogado"
        print(f"{user.username}\t{role}\t{dicos or '-'}\t{state}")
    return 0


def cmd_token(args) -> int:
    _setup()
    from sig.editing.accounts import new_token

    key = new_token(args.name)
    print(f"token de API de {args.name} (mostrado só agora; os anteriores deixam de valer):")
    print(key)
    print("use-o no cabeçalho: Authorization: Bearer <token>")
    return 0


def cmd_grant_qgis(args) -> int:
    _setup()
    from sig.editing import qgis
    from sig.editing.accounts import actor_for, get_user
    from sig.editing.models import Perfil

    user = get_user(args.name)
    if not user.is_active:
        raise ValueError(f"o utilizador {args.name} está revogado")
    result = qgis.grant(actor_for(user), password=_password(args))
    Perfil.objects.update_or_create(user=user, defaults={"login_qgis": result.login})
    print(f"login PostGIS {result.login} {'criado' if result.created else 'atualizado'}; "
          f"papéis: {', '.join(result.roles) or 'nenhum'}")
    if result.password and not args.password_stdin:
        print(f"palavra-passe (mostrada só agora): {result.password}")
    print("\n# Acrescente ao ficheiro pg_service.conf do utilizador (ajuste host se o QGIS "
          "chegar à base de dados por outro endereço):")
    print(qgis.service_snippet(result.login))
    print("\n# No QGIS: Camada > Adicionar camada > PostgreSQL > Nova > Serviço "
          f"'{qgis.SERVICE_NAME}', com a palavra-passe guardada na autenticação do QGIS.")
    return 0


def cmd_revoke(args) -> int:
    _setup()
    from sig.editing import qgis
    from sig.editing.accounts import deactivate

    login = deactivate(args.name)
    print(f"utilizador {args.name} desativado; tokens de API apagados")
    if qgis.revoke(login):
        print(f"login PostGIS {login} desativado e sessões terminadas")
    return 0


def _password_flag(parser) -> None:
    parser.add_argument("--password-stdin", action="store_true",
                        help="ler a palavra-passe da entrada padrão (uma linha)")


def register(sub) -> None:
    """Add this area's subcommands to the `sig` parser."""
    user = sub.add_parser("user", help="pessoas com acesso ao serviço")
    actions = user.add_subparsers(dest="user_command", required=True)
    p = actions.add_parser("add", help="criar ou atualizar uma pessoa")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["admin", "editor", "viewer"],
                   help="admin (CIMRL), editor (municípios) ou viewer (consulta)")
    p.add_argument("--municipio", help="códigos DICO separados por vírgulas (editores)")
    _password_flag(p)
    p.set_defaults(func=cmd_user_add)
    p = actions.add_parser("list", help="listar pessoas, papéis e municípios")
    p.set_defaults(func=cmd_user_list)

    p = sub.add_parser("token", help="emitir um token de API (substitui o anterior)")
    p.add_argument("name")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("grant-qgis", help="criar ou sincronizar o login PostGIS de uma pessoa")
    p.add_argument("name")
    _password_flag(p)
    p.set_defaults(func=cmd_grant_qgis)

    p = sub.add_parser("revoke", help="retirar todo o acesso a uma pessoa")
    p.add_argument("name")
    p.set_defaults(func=cmd_revoke)
