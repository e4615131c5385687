"""Layering of the keystore and the X.509 toolkit, checked on the source.

keystore may import only the standard library, third-party packages, evcc.errors, evcc.clock
and the toolkit (evcc.x509); the toolkit imports nothing of keystore, pnc, cli or bench; no
two modules of either package import each other, directly or through others.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (``from a import b`` counts a.b and a)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _package(name: str) -> dict[str, set[str]]:
    files = sorted((ROOT / name.replace(".", "/")).rglob("*.py"))
    modules = {_module_name(p): _imports(p) for p in files}
    return {m: {i for i in imports if i in modules} for m, imports in modules.items()} | {
        f"{m}:all": imports for m, imports in modules.items()
    }


def _allowed_for_keystore(imported: str) -> bool:
    if imported.split(".", maxsplit=1)[0] not in ("evcc", "keystore"):
        return True  # standard library or third party
    return imported == "evcc" or imported.startswith(
        ("keystore", "evcc.x509", "evcc.errors", "evcc.clock")
    )


def test_keystore_imports_only_errors_clock_and_the_toolkit() -> None:
    graph = _package("keystore")
    wrong = {
        f"{m[:-4]} -> {i}"
        for m, imports in graph.items() if m.endswith(":all")
        for i in imports if not _allowed_for_keystore(i)
    }
    assert not wrong, sorted(wrong)


def test_toolkit_imports_nothing_above_it() -> None:
    graph = _package("evcc.x509")
    wrong = {
        f"{m[:-4]} -> {i}"
        for m, imports in graph.items() if m.endswith(":all")
        for i in imports
        if i.split(".")[0] == "keystore" or i.startswith(("evcc.pnc", "evcc.cli", "evcc.bench"))
    }
    assert not wrong, sorted(wrong)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


@pytest.mark.parametrize("package", ["keystore", "evcc.x509"])
def test_no_import_cycles_between_modules(package: str) -> None:
    graph = {
        m: {i for i in imports if i != package}  # the package itself re-exports: not a module
        for m, imports in _package(package).items()
        if not m.endswith(":all") and m != package
    }
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])
