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
