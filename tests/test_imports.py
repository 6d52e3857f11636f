"""grader/ has no import circle and no arrow back up (docs/architecture.md, "Who may import whom").

Every module imports in a fresh interpreter whatever was imported before it (a circle held
together by import order fails one of the orders), and the import graph read from the source
(ast) has no cycle between modules nor between stage folders, and every arrow between stages goes
down the order below.
"""

from __future__ import annotations

import ast
import random
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

GRADER = Path(__file__).resolve().parents[1] / "grader"
# The stages, top first: a module may import its own stage and any stage below it, never one above.
# `grader` itself (the version) is below them all.
STAGES = ("cli", "release", "run", "export", "similarity", "judge", "load", "report", "isolate")


def module_names() -> list[str]:
    names = []
    for path in sorted(GRADER.rglob("*.py")):
        parts = path.relative_to(GRADER.parent).with_suffix("").parts
        if parts[-1] == "__main__":  # runs the command line when imported
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = set(module_names())


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The grader modules an import statement loads (a name imported from a package that is a
    module of its own counts as that module)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in MODULES}
    base = node.module or ""
    if node.level:
        package = module.split(".")
        if not (GRADER.parent / Path(*package) / "__init__.py").is_file():
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    found = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            found.add(f"{base}.{alias.name}")
        elif base in MODULES:
            found.add(base)
    return found


def import_graph(*, top_level_only: bool) -> dict[str, set[str]]:
    """module -> the grader modules it imports when it runs (never those under `if TYPE_CHECKING`);
    with `top_level_only`, only the imports made when it is imported (not inside functions)."""
    graph = {}
    for module in sorted(MODULES):
        path = GRADER.parent / Path(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        edges: set[str] = set()

        def visit(node: ast.AST, edges: set[str] = edges, module: str = module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.If) and _is_type_checking(child):
                    for other in child.orelse:
                        visit(other)
                    continue
                if top_level_only and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    continue
                if isinstance(child, ast.Import | ast.ImportFrom):
                    edges |= _imported(module, child)
                visit(child)

        visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[module] = edges - {module}
    return graph


def stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else "grader"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_every_stage_is_listed():
    folders = {p.name for p in GRADER.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(STAGES)
    loose = sorted(p.name for p in GRADER.glob("*.py") if p.name != "__init__.py")
    assert not loose, f"modules outside every stage folder: {loose}"


def test_no_import_cycle_between_modules():
    cycle = find_cycle(import_graph(top_level_only=True))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_cycle_between_stage_folders():
    graph = import_graph(top_level_only=False)
    stages: dict[str, set[str]] = {}
    for module, imported in graph.items():
        stages.setdefault(stage_of(module), set()).update(stage_of(m) for m in imported)
    for stage, imported in stages.items():
        imported.discard(stage)
    cycle = find_cycle(stages)
    if cycle:
        arrows = [
            f"  {m} -> {i}"
            for a, b in zip(cycle, cycle[1:], strict=False)
            for m in sorted(graph)
            if stage_of(m) == a
            for i in sorted(graph[m])
            if stage_of(i) == b
        ]
        pytest.fail("cycle between stages: " + " -> ".join(cycle) + "\n" + "\n".join(arrows))


def test_every_arrow_between_stages_points_down():
    rank = {stage: i for i, stage in enumerate(STAGES)} | {"grader": len(STAGES)}
    up = [
        f"{module} ({stage_of(module)}) -> {imported} ({stage_of(imported)})"
        for module, edges in import_graph(top_level_only=False).items()
        for imported in sorted(edges)
        if rank[stage_of(imported)] < rank[stage_of(module)]
    ]
    assert not up, "arrows back up:\n" + "\n".join(up)


@pytest.mark.parametrize("seed", range(5))
def test_every_module_imports_in_a_fresh_interpreter_in_any_order(seed):
    order = sorted(MODULES)
    random.Random(seed).shuffle(order)
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run(
        [sys.executable, "-c", script, *order], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"order (seed {seed}): {order}\n{done.stderr[-3000:]}"


def test_nbformat_loads_only_when_a_notebook_is_read():
    """nbformat, with jsonschema and traitlets, costs every command about 40 ms of CPU at its start."""
    code = (
        "import sys, grader.cli.check, grader.cli.grade, grader.similarity.detect\n"
        "assert 'nbformat' not in sys.modules\n"
        "from grader.load.notebook import read_notebook\n"
        "read_notebook(sys.argv[1].encode(), 'n.ipynb')\n"
        "assert 'nbformat' in sys.modules\n"
    )
    notebook = nbformat.writes(nbformat.v4.new_notebook())
    done = subprocess.run(
        [sys.executable, "-c", code, notebook], cwd=GRADER.parent, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
