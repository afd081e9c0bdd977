"""Structural checks of the production container files; no Docker needed.

Covers docker-compose.yml, Dockerfile, docker/nginx.conf, docker/gunicorn.conf.py,
docker/entrypoint.sh, .dockerignore and .env.example.
"""

from __future__ import annotations

import re
import runpy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX_CONF = ROOT / "docker" / "nginx.conf"
GUNICORN_CONF = ROOT / "docker" / "gunicorn.conf.py"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_\w*URL")
REFERENCE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[?-])(?P<arg>[^}]*))?\}")
BARE_REFERENCE = re.compile(r"(?<!\$)\$(?P<name>[A-Za-z_]\w*)")
ASSIGNMENT = re.compile(r"^(?P<commented>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
RUNTIME_PACKAGES = (
    "mapserver-bin",
    "cgi-mapserver",
    "gdal-bin",
    "proj-bin",
    "fonts-dejavu-core",
    "libpq5",
)

Instructions = list[tuple[str, str]]


# --- helpers -------------------------------------------------------------------------


def is_secret_reference(value: Any) -> bool:
    """True when `value` is only a `${VAR}` reference with no literal (non-empty) default."""
    match = REFERENCE.fullmatch(str(value))
    if not match:
        return False
    return match["op"] in (None, "?", ":?") or not match["arg"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    """The `environment` of a compose service, in either map or list form."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def published_ports(service: dict[str, Any]) -> set[tuple[int, int]]:
    """(published, target) pairs of a service's `ports`, short or long syntax."""
    pairs = set()
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            target = int(port["target"])
            pairs.add((int(port.get("published", target)), target))
            continue
        parts = str(port).split("/")[0].split(":")
        pairs.add((int(parts[-2]) if len(parts) > 1 else int(parts[-1]), int(parts[-1])))
    return pairs


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target path → source of a service's `volumes`, short or long syntax."""
    result = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            result[volume["target"]] = volume.get("source", "")
        else:
            source, target = str(volume).split(":")[:2]
            result[target] = source
    return result


def strings(node: Any) -> list[str]:
    """Every key and scalar value in a parsed YAML tree, as strings."""
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in strings(key) + strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [] if node is None else [str(node)]


def compose_variables(compose: dict[str, Any]) -> dict[str, tuple[str | None, str]]:
    """Variable name → (operator, argument) of each `${VAR}` / `$VAR` used in compose."""
    found: dict[str, tuple[str | None, str]] = {}
    for text in strings(compose):
        text = text.replace("$$", "")
        for match in REFERENCE.finditer(text):
            found[match["name"]] = (match["op"], match["arg"] or "")
        for match in BARE_REFERENCE.finditer(REFERENCE.sub("", text)):
            found.setdefault(match["name"], (None, ""))
    return found


def dockerfile_instructions(text: str) -> Instructions:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            pairs.append((instruction.upper(), " ".join(args.split())))
    return pairs


def final_stage(instructions: Instructions) -> Instructions:
    """The instructions of the last build stage (from the last FROM on)."""
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def env_assignments(text: str) -> dict[str, dict[str, Any]]:
    """`NAME=value` lines of an env file: value, commented out or not, documented or not."""
    result: dict[str, dict[str, Any]] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = ASSIGNMENT.match(line.strip())
        if match:
            previous = lines[number - 1].strip() if number else ""
            result[match["name"]] = {
                "value": match["value"],
                "commented": bool(match["commented"]),
                "documented": previous.startswith("#"),
            }
    return result


def nginx_text() -> str:
    """docker/nginx.conf without comments."""
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())


def nginx_block(text: str, header: str) -> str:
    """Body of the first `header { ... }` block, nested braces included."""
    start = re.search(re.escape(header) + r"\s*\{", text)
    assert start, f"nginx.conf has no `{header}` block"
    depth, index = 1, start.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        index += 1
    return text[start.end() : index - 1]


def python_snippet(command: list[str]) -> str:
    """The code passed with `-c` in an exec-form healthcheck."""
    assert "-c" in command, f"healthcheck is not `python -c ...`: {command}"
    return command[command.index("-c") + 1]


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> Instructions:
    return dockerfile_instructions(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def env_example() -> dict[str, dict[str, Any]]:
    return env_assignments(ENV_EXAMPLE.read_text())


# --- the helpers themselves (so that the checks below cannot pass vacuously) ----------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${SIG_SECRET_KEY:?set it}", True),
        ("${POSTGRES_PASSWORD}", True),
        ("${SIG_DATABASE_ADMIN_URL:-}", True),
        ("hunter2", False),
        ("${POSTGRES_PASSWORD:-hunter2}", False),
        ("postgresql://u:${P}@db/sig", False),
    ],
)
def test_is_secret_reference(value: str, expected: bool) -> None:
    assert is_secret_reference(value) is expected


def test_port_and_mount_parsers() -> None:
    service = {
        "ports": ["80:80", "127.0.0.1:8443:443/tcp", {"target": 81, "published": "8081"}],
        "volumes": ["tiles:/var/cache/sig", {"type": "volume", "source": "x", "target": "/x"}],
    }
    assert published_ports(service) == {(80, 80), (8443, 443), (8081, 81)}
    assert mounts(service) == {"/var/cache/sig": "tiles", "/x": "x"}


def test_dockerfile_parser_joins_continuations() -> None:
    text = "FROM a AS b\n# note\nRUN apt-get install \\\n    x \\\n    y\nUSER sig\n"
    assert dockerfile_instructions(text) == [
        ("FROM", "a AS b"),
        ("RUN", "apt-get install x y"),
        ("USER", "sig"),
    ]


# --- docker-compose.yml --------------------------------------------------------------


def test_compose_has_no_obsolete_version_key(compose: dict[str, Any]) -> None:
    assert "version" not in compose


def test_core_services_exist(services: dict[str, Any]) -> None:
    assert {"db", "migrate", "app", "nginx"} <= set(services)


ONE_SHOT = ("migrate",)


def test_db_uses_official_pinned_postgis_image(services: dict[str, Any]) -> None:
    assert re.fullmatch(r"postgis/postgis:\d+-\d+\.\d+(-\w+)?", services["db"]["image"])


def test_db_compresses_the_wal_with_lz4(services: dict[str, Any]) -> None:
    """Imports and bulk edits write whole pages to the WAL; lz4 needs PostgreSQL 15 or later."""
    command = " ".join(strings(services["db"]["command"]))
    assert "wal_compression=lz4" in command
    major = re.match(r"postgis/postgis:(\d+)-", services["db"]["image"]).group(1)
    assert int(major) >= 15


def test_app_is_built_from_the_dockerfile(services: dict[str, Any]) -> None:
    build = services["app"]["build"]
    if isinstance(build, str):
        build = {"context": build}
    context = ROOT / build.get("context", ".")
    assert (context / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE


def test_every_service_restarts_and_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no", f"{name} runs once and exits"
            continue
        assert service.get("restart") == "unless-stopped", name
        test = (service.get("healthcheck") or {}).get("test")
        assert test, f"{name} has no healthcheck test"
        if isinstance(test, list):
            assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name


def test_db_healthcheck_uses_pg_isready(services: dict[str, Any]) -> None:
    assert "pg_isready" in " ".join(strings(services["db"]["healthcheck"]["test"]))


def test_app_healthcheck_is_valid_python_hitting_readyz(services: dict[str, Any]) -> None:
    test = services["app"]["healthcheck"]["test"]
    code = python_snippet(test)
    compile(code, "app healthcheck", "exec")
    assert "urllib" in code and "127.0.0.1:8000/readyz" in code


def test_nginx_publishes_port_80(services: dict[str, Any]) -> None:
    assert (80, 80) in published_ports(services["nginx"])


def test_only_nginx_publishes_ports(services: dict[str, Any]) -> None:
    assert [name for name, s in services.items() if s.get("ports")] == ["nginx"]


def test_app_listens_on_8000(services: dict[str, Any], dockerfile: Instructions) -> None:
    app = services["app"]
    assert "8000" in [str(port) for port in app.get("expose", [])]
    assert environment(app).get("SIG_PORT", "8000") == "8000"
    assert ("EXPOSE", "8000") in final_stage(dockerfile)


def test_tiles_volume_is_mounted_at_the_cache_dir(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    assert "tiles" in (compose.get("volumes") or {})
    cache_dir = environment(services["app"])["SIG_CACHE_DIR"]
    assert mounts(services["app"]).get(cache_dir) == "tiles"


def test_db_data_is_on_a_declared_named_volume(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    source = mounts(services["db"]).get("/var/lib/postgresql/data")
    assert source in (compose.get("volumes") or {}), "db data must be on a named volume"


def test_app_waits_for_a_healthy_db(services: dict[str, Any]) -> None:
    depends_on = services["app"]["depends_on"]
    assert isinstance(depends_on, dict), "depends_on needs the long form to carry a condition"
    assert depends_on["db"]["condition"] == "service_healthy"


def test_migrations_run_once_in_their_own_service_before_the_app(
    services: dict[str, Any],
) -> None:
    migrate, app = services["migrate"], services["app"]
    assert migrate["image"] == app["image"] and migrate["build"] == app["build"]
    assert migrate["command"] == ["sig", "migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    owner = REFERENCE.fullmatch(environment(migrate)["SIG_DATABASE_OWNER_URL"])
    assert owner and owner["op"] in ("?", ":?")


def test_the_running_app_has_neither_the_owner_nor_the_superuser_url(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        if name in ONE_SHOT:
            continue
        env = environment(service)
        assert "SIG_DATABASE_OWNER_URL" not in env, name
        assert "SIG_DATABASE_ADMIN_URL" not in env, name
    assert "SIG_MIGRATE_ON_START" not in environment(services["app"])


def test_the_app_trusts_forwarded_proto_only_when_told(services: dict[str, Any]) -> None:
    app = environment(services["app"])
    assert app["SIG_ENV"] == "production"
    assert REFERENCE.fullmatch(app["SIG_TLS_PROXY"])["arg"] == "false"


def test_secrets_are_references_not_literals(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert is_secret_reference(value), f"{name}: {key} has a literal value"


def test_required_secrets_fail_when_unset(services: dict[str, Any]) -> None:
    env = environment(services["app"]) | environment(services["db"])
    for key in ("POSTGRES_PASSWORD", "SIG_SECRET_KEY", "SIG_DATABASE_URL", "SIG_ALLOWED_HOSTS"):
        match = REFERENCE.fullmatch(env[key])
        assert match and match["op"] in ("?", ":?"), f"{key} should be ${{{key}:?...}}"


def test_nginx_mounts_its_config(services: dict[str, Any]) -> None:
    source = mounts(services["nginx"]).get("/etc/nginx/nginx.conf", "")
    assert (ROOT / source).resolve() == NGINX_CONF


# --- .env.example --------------------------------------------------------------------


def test_env_example_lists_every_compose_variable(
    compose: dict[str, Any], env_example: dict[str, dict[str, Any]]
) -> None:
    missing = set(compose_variables(compose)) - set(env_example)
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_sets_every_required_variable(
    compose: dict[str, Any], env_example: dict[str, dict[str, Any]]
) -> None:
    for name, (op, _) in compose_variables(compose).items():
        if op in ("?", ":?"):
            assert not env_example[name]["commented"], f"{name} is required: do not comment it"


def test_env_example_defaults_match_compose(
    compose: dict[str, Any], env_example: dict[str, dict[str, Any]]
) -> None:
    for name, (op, arg) in compose_variables(compose).items():
        entry = env_example.get(name)
        if op in ("-", ":-") and arg and entry and entry["commented"]:
            assert entry["value"] == arg, (
                f"{name}: {entry['value']} in .env.example, {arg} in compose"
            )


def test_env_example_documents_each_variable(env_example: dict[str, dict[str, Any]]) -> None:
    undocumented = [name for name, entry in env_example.items() if not entry["documented"]]
    assert not undocumented, f"no comment above {undocumented}"


def test_env_example_holds_only_placeholder_secrets(
    env_example: dict[str, dict[str, Any]],
) -> None:
    for name, entry in env_example.items():
        if SECRET_NAME.search(name) and entry["value"]:
            assert "change-me" in entry["value"], f"{name} looks like a real secret"


# --- Dockerfile ----------------------------------------------------------------------


def test_dockerfile_stages(dockerfile: Instructions) -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"python:3\.12-slim-bookworm|debian:bookworm-slim", text)
    assert "node:20-bookworm-slim" in text and "npm ci" in text
    stages = {args.split()[-1] for name, args in dockerfile if name == "FROM" and " AS " in args}
    copied_from = set(re.findall(r"--from=(\S+)", text))
    assert copied_from <= stages, f"COPY --from unknown stage: {copied_from - stages}"


def test_dockerfile_installs_locked_dependencies_without_dev(dockerfile: Instructions) -> None:
    syncs = [args for name, args in dockerfile if name == "RUN" and "uv sync" in args]
    assert syncs, "no `uv sync`"
    assert all("--frozen" in run and "--no-dev" in run for run in syncs), syncs


def test_dockerfile_installs_runtime_packages(dockerfile: Instructions) -> None:
    runs = [args for name, args in final_stage(dockerfile) if name == "RUN"]
    install = next((run for run in runs if "apt-get install" in run), "")
    for package in RUNTIME_PACKAGES:
        assert re.search(rf"(?<![\w-]){re.escape(package)}(?![\w-])", install), package
    assert "rm -rf /var/lib/apt/lists" in install


def test_dockerfile_runs_as_non_root(dockerfile: Instructions) -> None:
    users = [args for name, args in final_stage(dockerfile) if name == "USER"]
    assert users, "final stage has no USER"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_starts_gunicorn_through_the_entrypoint(dockerfile: Instructions) -> None:
    stage = dict(final_stage(dockerfile))
    assert "gunicorn" in stage["CMD"] and "sig.wsgi:application" in stage["CMD"]
    assert "docker/gunicorn.conf.py" in stage["CMD"] and GUNICORN_CONF.is_file()
    assert "docker/entrypoint.sh" in stage["ENTRYPOINT"] and ENTRYPOINT.is_file()


def test_dockerfile_healthcheck_is_valid_python(dockerfile: Instructions) -> None:
    args = dict(final_stage(dockerfile))["HEALTHCHECK"]
    command = yaml.safe_load(args[args.index("CMD") + 3 :])  # exec form is a JSON list
    code = python_snippet(command)
    compile(code, "Dockerfile HEALTHCHECK", "exec")
    assert "/healthz" in code


def test_image_cache_dir_matches_compose(
    dockerfile: Instructions, services: dict[str, Any]
) -> None:
    env = " ".join(args for name, args in final_stage(dockerfile) if name == "ENV")
    cache_dir = environment(services["app"])["SIG_CACHE_DIR"]
    assert f"SIG_CACHE_DIR={cache_dir}" in env


def test_dockerignore_excludes_local_state() -> None:
    patterns = {line.strip().strip("/") for line in DOCKERIGNORE.read_text().splitlines()}
    for pattern in (".venv", "node_modules", "var", ".pgdata", ".git", ".env"):
        assert pattern in patterns, pattern
    assert any("__pycache__" in pattern for pattern in patterns)


# --- docker/*: nginx, gunicorn, entrypoint ------------------------------------------


def test_nginx_proxies_everything_to_app_8000() -> None:
    text = nginx_text()
    assert text.count("{") == text.count("}")
    upstream = re.search(r"upstream\s+(\w+)\s*\{", text)
    assert upstream, "no upstream block"
    assert re.search(r"server\s+app:8000\b", nginx_block(text, upstream.group(0)[:-1].strip()))
    targets = set(re.findall(r"proxy_pass\s+([^;]+);", text))
    assert targets == {f"http://{upstream.group(1)}"}
    for location in ("location /static/", "location /"):
        assert "proxy_pass" in nginx_block(text, location), location


def test_nginx_forwards_client_headers_from_the_server_level() -> None:
    server = nginx_block(nginx_text(), "server")
    for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert re.search(rf"proxy_set_header\s+{header}\s", server), header
    for location in re.findall(r"location[^{]*\{[^}]*\}", server):
        # a proxy_set_header inside a location would silently drop the server-level ones
        assert "proxy_set_header" not in location, location


def test_nginx_limits_and_compression() -> None:
    text = nginx_text()
    assert re.search(r"client_max_body_size\s+200m;", text)
    assert re.search(r"proxy_read_timeout\s+\d+s?;", text)
    assert re.search(r"gzip\s+on;", text)
    gzip_types = re.search(r"gzip_types([^;]+);", text)
    assert gzip_types, "no gzip_types"
    types = set(gzip_types.group(1).split())
    assert {"application/json", "application/geo+json", "application/javascript"} <= types
    assert "text/css" in types
    assert not {"image/png", "image/jpeg"} & types


def test_nginx_serves_its_healthcheck_path(services: dict[str, Any]) -> None:
    test = " ".join(strings(services["nginx"]["healthcheck"]["test"]))
    path = re.search(r"http://127\.0\.0\.1(/[\w./-]*)", test)
    assert path and f"location = {path.group(1)}" in nginx_text()


def test_gunicorn_conf_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "SIG_PORT"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert (conf["workers"], conf["threads"], conf["bind"]) == (3, 4, "0.0.0.0:8000")
    assert conf["accesslog"] == "-" and conf["errorlog"] == "-"


def test_gunicorn_conf_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("GUNICORN_THREADS", "2")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert (conf["workers"], conf["threads"]) == (7, 2)


def test_gunicorn_conf_uses_only_known_settings() -> None:
    from gunicorn.config import Config  # a runtime dependency: always installed

    known = set(Config().settings)
    conf = runpy.run_path(str(GUNICORN_CONF))
    names = {
        name
        for name, value in conf.items()
        if not name.startswith("_") and not callable(value) and type(value) is not type(re)
    }
    assert names <= known, f"unknown gunicorn settings: {names - known}"


def test_entrypoint_waits_then_checks_then_execs_and_never_migrates_the_server() -> None:
    text = ENTRYPOINT.read_text()
    assert text.startswith("#!/bin/sh") and "set -eu" in text
    main = text.split("\n}\n", 1)[-1]  # after the wait_for_db function
    server = re.search(r'"gunicorn "\*\)(.*?);;', main, re.S)
    assert server, "no branch for the server"
    assert server.group(1).split() == ["wait_for_db", "sig", "check"]
    migrate = re.search(r'"sig migrate"\)(.*?);;', main, re.S)
    assert migrate and migrate.group(1).split() == ["wait_for_db"]
    assert main.rstrip().endswith('exec "$@"')
    snippet = re.search(r"<<'PY'\n(.*?)\nPY\n", text, re.S)
    assert snippet, "no embedded python wait loop"
    compile(snippet.group(1), "entrypoint wait loop", "exec")
    assert re.search(r"range\(1, tries \+ 1\)", snippet.group(1)), "the wait must be bounded"


def test_entrypoint_is_valid_shell() -> None:
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)
