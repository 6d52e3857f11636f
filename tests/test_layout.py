"""The test tree itself: every test module can be collected whatever folders pytest is given, in
whatever order (CI runs a subset of folders in a second configuration)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_a_conftest_by_name():
    # Several folders have a conftest.py; `import conftest` gets whichever pytest loaded last.
    # `from .conftest import` inside a package (tests/sandbox) is exact, so it is allowed.
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                else [a.name for a in node.names] if isinstance(node, ast.Import)
                else []
            )
            if "conftest" in names:
                offenders.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert offenders == []


def test_every_scope_started_first_exists(request):
    """A renamed module or class in conftest.LONGEST would silently go back to the end of the run."""
    longest = request.config.pluginmanager.get_plugin(str(TESTS / "conftest.py")).LONGEST
    for scope in longest:
        path, _, cls = scope.partition("::")
        module = TESTS.parent / path
        assert module.is_file(), scope
        if cls:
            classes = {n.name for n in ast.parse(module.read_text()).body if isinstance(n, ast.ClassDef)}
            assert cls in classes, scope
