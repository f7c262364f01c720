"""The layers of the code: domain libraries below, Dagster wiring on top, and no two areas importing each other."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.conftest import REPO_ROOT

# Each package of the project and what it may import (besides itself and third-party libraries).
LAYERS = {
    "warehouse": set(),
    "identity": set(),
    "dlt_sources": set(),
    "simulator": set(),
    "privacy": {"warehouse", "identity", "dlt_sources"},
    "resolution": {"warehouse", "identity"},
    "activation": {"warehouse", "identity", "dlt_sources", "privacy"},
    "operations": {"warehouse"},
    "predictive": {"warehouse"},
    "cdp_orchestration": {
        "warehouse", "identity", "dlt_sources", "simulator", "privacy", "resolution", "activation", "operations",
        "predictive",
    },
}  # fmt: skip


def modules(package: str) -> dict[str, ast.Module]:
    """module name → its parsed source, for every module of `package`."""
    parsed = {}
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")
        parsed[name] = ast.parse(path.read_text(), str(path))
    return parsed


def imported(module: str, tree: ast.Module, is_package: bool = False) -> set[str]:
    """Every module name `module` imports (absolute, and relative ones made absolute), at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".")
                base = parts if is_package else parts[:-1]
                base = base[: len(base) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            else:
                names.add(node.module or "")
    return names


def project_imports() -> dict[str, set[str]]:
    """module → the project's modules it imports."""
    found = {}
    for package in LAYERS:
        for module, tree in modules(package).items():
            is_package = (REPO_ROOT / Path(*module.split(".")) / "__init__.py").exists()
            found[module] = {name for name in imported(module, tree, is_package) if name.split(".")[0] in LAYERS}
    return found


def area(module: str) -> str:
    """A top-level package, or for the orchestration, one of its areas (`cdp_orchestration.ingest`, …)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "cdp_orchestration" and len(parts) > 1 else parts[0]


def test_every_package_imports_only_the_layers_below_it() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in project_imports().items()
        for target in targets
        if target.split(".")[0] not in LAYERS[module.split(".")[0]] | {module.split(".")[0]}
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_areas() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in project_imports().items():
        edges[area(module)] |= {area(target) for target in targets} - {area(module)}
    cycle = _find_cycle(edges)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_domain_libraries_run_without_dagster() -> None:
    for package in LAYERS.keys() - {"cdp_orchestration"}:
        for module, tree in modules(package).items():
            dagster = {name for name in imported(module, tree) if name.split(".")[0].startswith("dagster")}
            assert not dagster, f"{module} imports {', '.join(sorted(dagster))}"
