"""The layout rules of lib/ (docs/ARCHITECTURE.md), checked on the source itself.

- Each sub-package has one job; dependencies point one way: ui → charts → analysis → ingest →
  stats → core (a package may import any package to its right, never one to its left).
- Only lib.ui (and the pages and the entry point) import streamlit.
- No import cycle between modules; no folder holds more than 12 modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib"
LAYERS = ("ui", "charts", "analysis", "ingest", "stats", "core")
"""Left to right: a package may import only packages to its right (and itself)."""
MAX_MODULES = 12


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(LIB.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; `from a import b` gives a.b when a.b is a
    module, else a)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
    return found


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "lib" else None


def test_every_module_sits_in_a_known_package() -> None:
    loose = [m for m in MODULES if m != "lib" and _package(m) not in LAYERS]
    assert not loose, f"modules outside the packages {LAYERS}: {loose}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_point_one_way(module: str) -> None:
    mine = _package(module)
    if mine is None:
        return
    allowed = set(LAYERS[LAYERS.index(mine):])
    wrong = sorted(m for m in _imports(MODULES[module])
                   if m.startswith("lib.") and _package(m) not in allowed)
    assert not wrong, f"{module} ({mine}) imports {wrong}: dependencies point {' → '.join(LAYERS)}"


def test_only_the_ui_package_imports_streamlit() -> None:
    offenders = sorted(m for m, path in MODULES.items()
                       if _package(m) != "ui"
                       and any(i == "streamlit" or i.startswith("streamlit.")
                               for i in _imports(path)))
    assert not offenders, f"streamlit imported outside lib.ui: {offenders}"


def test_no_import_cycle() -> None:
    graph = {m: {i for i in _imports(p) if i in MODULES and i != m} for m, p in MODULES.items()}
    # a package's __init__ is imported on the way to its modules: not an edge of its own
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in graph:
        if module not in state:
            visit(module)


def test_no_folder_holds_more_than_twelve_modules() -> None:
    for folder in [LIB, *(p for p in LIB.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MAX_MODULES, f"{folder.relative_to(ROOT)}: {len(modules)} modules"


def test_the_layout_test_sees_the_whole_library() -> None:
    assert len(MODULES) > 40 and "lib.ui.state" in MODULES and "lib.core.schema" in MODULES
    assert "streamlit" in _imports(MODULES["lib.ui.state"])
