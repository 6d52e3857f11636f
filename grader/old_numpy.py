"""Recognise numpy names a newer numpy removed, so the report says which old spelling code relies on.

The worker provides each name of ``grader.sandbox.compat.REMOVED`` (``np.lib.pad``, ``np.float``,
``np.product``, ...), so such code is graded as it ran in its course year; this module finds the uses
in the parent, from the source alone, so the instructor sees them and the student learns the modern
spelling. A finding never costs points.
"""

from __future__ import annotations

import ast

from grader.sandbox.compat import REMOVED

_TABLE = {name: (modern, removed_in) for name, modern, removed_in, _ in REMOVED}
MESSAGE = "uses numpy.{name}, removed in numpy {removed_in} (today: {modern}); the grader provides it"


def from_tree(tree: ast.Module, numpy_names: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, message) of the first use of each removed numpy name in a parsed module, by line.

    ``numpy_names`` are names bound to numpy elsewhere (a notebook imports it in another cell).
    """
    numpy_names = numpy_names | _numpy_names(tree)
    first: dict[str, int] = {}
    for node in ast.walk(tree):
        for name in _used(node, numpy_names):
            if name in _TABLE and node.lineno < first.get(name, node.lineno + 1):
                first[name] = node.lineno
    return sorted((line, message(name)) for name, line in first.items())


def message(name: str) -> str:
    modern, removed_in = _TABLE[name]
    return MESSAGE.format(name=name, removed_in=removed_in, modern=modern)


def _numpy_names(tree: ast.Module) -> set[str]:
    """Names the module binds to the numpy package (`import numpy as np`, `import numpy`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "numpy" or (alias.asname is None and alias.name.startswith("numpy.")):
                    names.add(alias.asname or "numpy")
    return names


def _used(node: ast.AST, numpy_names: set[str]) -> list[str]:
    """Paths under numpy this node names: `np.lib.pad` -> ["lib.pad"], `from numpy import NaN`."""
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        if node.module == "numpy" or node.module.startswith("numpy."):
            prefix = node.module.removeprefix("numpy").lstrip(".")
            return [f"{prefix}.{a.name}" if prefix else a.name for a in node.names]
        return []
    if not isinstance(node, ast.Attribute):
        return []
    parts = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not (isinstance(value, ast.Name) and value.id in numpy_names):
        return []
    return [".".join(reversed(parts))]
