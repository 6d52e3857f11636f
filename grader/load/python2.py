"""Recognise Python 2 source, so a 2016-2017 submission gets one clear reason instead of "missing".

The course ran on Python 2 until 2017. Such code either does not parse under Python 3 (``print x``,
``except E, e``, ``0777``, tabs mixed with spaces) or parses and then fails at run time (``xrange``,
``dict.iteritems()``), and silently differs where it parses and runs: ``/`` on integers floored in
Python 2, so a shape computed with it is a float in Python 3. The grader does not convert such
code; it recognises it and says so (see ``grader.load.submission``).
"""

from __future__ import annotations

import ast

# Words in Python 3's SyntaxError messages that Python 2 syntax provokes, and what they mean.
_SYNTAX = (
    ("Missing parentheses in call to 'print'", "a print statement"),
    ("Missing parentheses in call to 'exec'", "an exec statement"),
    ("leading zeros in decimal integer literals", "an octal literal like 0777"),
    ("multiple exception types must be parenthesized", "`except E, e:`"),
    ("inconsistent use of tabs and spaces", "tabs mixed with spaces in the indentation"),
)
# Builtins that exist only in Python 2 (unless the file imports or defines them, e.g. from past).
_NAMES = frozenset({"xrange", "raw_input", "unicode", "basestring", "unichr", "execfile"})
# Dictionary methods that exist only in Python 2.
_METHODS = frozenset({"iteritems", "iterkeys", "itervalues", "has_key"})
MESSAGE = "this is Python 2 code ({why}); the grader runs Python 3 and does not convert it"


def from_syntax_error(exc: SyntaxError) -> str | None:
    """What Python 2 construct a Python 3 SyntaxError points at, or None."""
    message = exc.msg or ""
    return next((why for words, why in _SYNTAX if words in message), None)


def from_tree(tree: ast.Module) -> tuple[int, str] | None:
    """(line, what) of the first Python-2-only name or method a parsed module uses, or None."""
    defined = _defined_names(tree)
    hits: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _NAMES and node.id not in defined:
            hits.append((node.lineno, f"`{node.id}`"))
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS
        ):
            hits.append((node.lineno, f"`.{node.func.attr}()`"))
    return min(hits) if hits else None


def _defined_names(tree: ast.Module) -> set[str]:
    """Names the module binds anywhere: imports, assignments, definitions, arguments."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names
