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
