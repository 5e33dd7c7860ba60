"""Dependencies point inward: each layer imports only what the design allows it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"domain", "application", "adapters", "entrypoints", "bootstrap"}
ALLOWED = {
    # pure, I/O-free: syntax checks of addresses; the GSM 03.38 alphabet an SMS is measured in
    "domain": {"domain", "eventsourcing", "email_validator", "gsm0338"},
    "application": {"domain", "application", "structlog"},
    "adapters": LAYERS - {"entrypoints", "bootstrap"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.split(".")[0] for name in names}


def third_party_or_layer(module: str) -> bool:
    return module not in sys.stdlib_module_names and module != "__future__"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(layer: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        for module in imported_modules(path)
        if third_party_or_layer(module)
        and module not in ALLOWED[layer]
        and (layer != "adapters" or module in LAYERS - ALLOWED[layer])
    ]
    assert offences == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import litestar\nfrom adapters.outbox import OutboxProvider\nimport json\n")
    assert {m for m in imported_modules(module) if third_party_or_layer(m)} == {"litestar", "adapters"}


def test_only_bootstrap_chooses_adapters() -> None:
    importers = {
        path.relative_to(ROOT).parts[0]
        for layer in LAYERS
        for path in (ROOT / layer).rglob("*.py")
        if "adapters" in imported_modules(path)
    }
    assert importers <= {"adapters", "bootstrap"}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Which of the five packages' modules each of their modules imports, wherever the import is
    (in a function or under TYPE_CHECKING too: a cycle there is a cycle in the design)."""
    files = {module_name(p, root): p for layer in LAYERS for p in (root / layer).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            if component:
                found.append(sorted([module, *component]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_two_modules_import_each_other_even_through_others() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_a_cycle_through_a_third_module() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_composition_root_does_not_reach_up_into_the_entrypoints() -> None:
    graph = import_graph()
    offences = [
        f"{module} imports {target}"
        for module, targets in sorted(graph.items())
        if module.startswith("bootstrap")
        for target in sorted(targets)
        if target.startswith("entrypoints")
    ]
    assert offences == []
