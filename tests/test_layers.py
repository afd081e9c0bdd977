"""The packages of `sig` form layers: a module imports only its own layer and those below, and
no two packages import each other, directly or through others. Read from the source with
`ast` (imports inside functions count too); `docs/architecture.md` explains the layers."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from sig.conf import BASE_DIR

SIG = BASE_DIR / "sig"

# Lowest first. Each name is a package or a module directly under sig/.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("conf", "registry", "grids", "crs", "crsarea", "tilegrid", "symbology", "http", "i18n"),
    ("db", "ops"),
    ("core", "territory", "themes", "demo"),
    ("importing", "ogcapi", "maps", "editing", "opendata", "ocorrencias"),
    ("web",),
    ("derive", "checks"),
    ("cli", "server", "settings", "urls", "wsgi"),
)
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str | None:
    """The top-level package or module under `sig` that `module` belongs to."""
    parts = module.split(".")
    return parts[1] if parts[0] == "sig" and len(parts) > 1 else None


def imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "sig":
                yield from ((node.lineno, f"sig.{alias.name}") for alias in node.names)
            else:
                yield node.lineno, node.module


def edges() -> Iterator[tuple[str, str, str]]:
    """(importing unit, imported unit, "file:line") for every import across units."""
    for path in sorted(SIG.rglob("*.py")):
        relative = path.relative_to(SIG)
        if len(relative.parts) == 1 and relative.stem == "__init__":
            continue
        source = relative.parts[0].removesuffix(".py")
        for line, module in imported(ast.parse(path.read_text(encoding="utf-8"))):
            target = unit_of(module)
            if target and target != source:
                yield source, target, f"{path.relative_to(BASE_DIR)}:{line}"


def units() -> set[str]:
    found = {p.name for p in SIG.iterdir() if (p / "__init__.py").exists()}
    return found | {p.stem for p in SIG.glob("*.py") if p.stem != "__init__"}


def test_every_package_has_a_layer():
    assert units() <= set(LEVEL), f"add to LAYERS: {sorted(units() - set(LEVEL))}"


def test_no_upward_import():
    upward = [f"{where}: sig.{source} (layer {LEVEL[source]}) imports sig.{target} "
              f"(layer {LEVEL[target]})" for source, target, where in edges()
              if source in LEVEL and target in LEVEL and LEVEL[target] > LEVEL[source]]
    assert not upward, "\n".join(upward)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_package_cycle():
    graph: dict[str, set[str]] = {}
    for source, target, _ in edges():
        graph.setdefault(source, set()).add(target)
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(f"sig.{unit}" for unit in cycle or ())


@pytest.mark.parametrize("graph, cycle", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"c"}}, None),
])
def test_cycle_finder(graph, cycle):
    assert _cycle(graph) == cycle


def test_source_files_are_read():
    assert any(Path(where.split(":")[0]).name == "views.py" for _, _, where in edges())
