"""Recognise numpy names a newer numpy removed, so the report says which old spelling code relies on.

The worker provides each name of ``grader.isolate.compat.REMOVED`` (``np.lib.pad``, ``np.float``,
``np.product``, ...), so such code is graded as it ran in its course year; this module finds the uses
in the parent, from the source alone, so the instructor sees them and the student learns the modern
spelling. A finding never costs points.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from grader.isolate.compat import REMOVED
from grader.report.models import Finding

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


FLOAT_SIZE_MESSAGE = (
    "relied on numpy < 1.12 accepting a whole-number float as an array size or index (e.g. a size "
    "computed with /); the grader accepts it, today's numpy does not: write // or int(...)"
)
_MAX_FLOAT_SIZE_FINDINGS = 5


def float_size_findings(
    notes: Any, root: Path, notebook: tuple[str, str] | None = None
) -> list[Finding]:
    """The worker's `float_size_notes` as findings: the first line of each file that took a float
    as a size. The notes come from the student's process, so only (file, line) pairs that name a
    line of a file in the submission's tree are kept, and nothing else of them is shown.
    `notebook` is (the module made from a notebook, the notebook's name): its lines become cells."""
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for note in notes if isinstance(notes, list) else []:
        if len(findings) >= _MAX_FLOAT_SIZE_FINDINGS:
            break
        if not (isinstance(note, list) and len(note) == 2 and isinstance(note[0], str)):
            continue
        rel, line = note
        if not isinstance(line, int) or isinstance(line, bool):
            continue
        path = root / rel
        try:
            inside = path.resolve().is_relative_to(root.resolve()) and path.is_file()
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if inside else []
        except OSError:
            continue
        if not 1 <= line <= len(lines):
            continue
        if notebook is not None and rel == notebook[0]:
            cell = _notebook_cell(lines, line)
            file, where, shown_line = notebook[1], f"cell {cell}" if cell else "", None
        else:
            file, where, shown_line = rel, "", line
        if (file, where) in seen:  # the first use in each file (each cell of a notebook)
            continue
        seen.add((file, where))
        message = f"{where}: {FLOAT_SIZE_MESSAGE}" if where else FLOAT_SIZE_MESSAGE
        findings.append(Finding(kind="old_numpy.float_size", file=file, line=shown_line, message=message))
    return findings


def _notebook_cell(lines: list[str], line: int) -> int | None:
    """The cell a line of the module made from a notebook came from (its `# --- cell N ---` marker)."""
    for text in reversed(lines[:line]):
        match = re.fullmatch(r"# --- cell (\d+) ---", text)
        if match:
            return int(match.group(1))
    return None
