"""The package's shape: layers that import one way, no cycles, small modules, a light core.

Layers, lowest first (a module may import from its own layer's package and from any lower
layer, never from a higher one or from a sibling on the same level):

    formatting <- scenario <- engine <- running <- {analysis | sweep} <- calibration <- plots <- report
        <- {cli | dashboard}

Every import counts, including those inside functions; imports under ``if TYPE_CHECKING:``
do not (they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"
LAYERS: list[set[str]] = [
    {"formatting"},
    {"scenario"},
    {"engine"},
    {"running"},
    {"analysis", "sweep"},
    {"calibration"},
    {"plots"},
    {"report"},
    {"cli", "dashboard"},
]
LEVEL = {name: i for i, group in enumerate(LAYERS) for name in group}
MAX_LINES = 500
MAX_TOP_LEVEL_MODULES = 8


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """Every ``sim`` module ``path`` imports (relative imports resolved), outside TYPE_CHECKING."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "sim")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "sim":
                found.add(target)
                for alias in node.names:  # ``from sim.x import y`` may import the module sim.x.y
                    found.add(f"{target}.{alias.name}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        graph[name] = {m for m in _imports(path) if m in files and m != name and m != "sim"}
    return graph


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_no_module_imports_upward_or_across():
    wrong = []
    for module, targets in _graph().items():
        here = _layer(module)
        if here is None or here == "__main__":
            continue
        for target in targets:
            there = _layer(target)
            if there is None or there == here:
                continue
            if LEVEL[there] >= LEVEL[here]:
                wrong.append(f"{module} imports {target} ({there} is not below {here})")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_every_subpackage_has_a_layer():
    names = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert names <= set(LEVEL), f"give these a layer in this test: {sorted(names - set(LEVEL))}"


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_modules_are_small_and_few_at_the_top():
    long = [f"{p.relative_to(PACKAGE.parent)}: {n} lines" for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES]
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_the_core_loads_no_plotting_ui_cluster_or_cli():
    code = (
        "import sys\n"
        "from sim import run, Scenario\n"
        "heavy = ('matplotlib', 'solara', 'dask', 'distributed', 'sim.cli', 'sim.dashboard', 'sim.plots', 'sim.report')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_layer_check_catches_an_upward_import():
    # The check must fail on a violation: an engine module importing analysis inside a function.
    probe = PACKAGE / "engine" / "_layer_probe.py"
    probe.write_text("def _probe():\n    import sim.analysis.roi\n")
    try:
        with pytest.raises(AssertionError, match="engine._layer_probe imports sim.analysis.roi"):
            test_no_module_imports_upward_or_across()
    finally:
        probe.unlink()
