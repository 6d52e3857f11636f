"""Which folder of an upload is the course package, judged by what its modules define.

The assignment is taught as many ports that rename the course package (UMass ``cs682/``, UCLA
``nndl/``, SJTU ``MS325/``, Berkeley ``deeplearning/``, SYSU ``annp/``, ...), so its name says
nothing; what it defines does. A folder is a course package when one of its modules defines one
of the assignment's functions (``conv_forward_naive``, ``ThreeLayerConvNet``, ...). The loader
reads the definitions from the syntax tree (nothing of the student's runs); the batch, which only
has to tell a student's folder from a class folder, uses the cheap textual test
(``looks_like_package``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

# What only the assignment defines: a folder whose modules define one of these is its package.
# (affine_forward and relu_forward are also in assignment 1's package, so they do not count.)
ASSIGNMENT_SYMBOLS = (
    "conv_forward_naive",
    "conv_backward_naive",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "conv_relu_forward",
    "conv_relu_pool_forward",
    "ThreeLayerConvNet",
)
# File names of the course modules in the ports' layouts (UCLA splits the conv layers out).
COURSE_FILE_NAMES = ("layers.py", "conv_layers.py", "layer_utils.py", "conv_layer_utils.py", "cnn.py")
# A package's sub-folder for the models (``classifiers/cnn.py``): its package is its parent.
MODEL_FOLDERS = ("classifiers",)
# At most this many bytes of a file are read by the cheap test (a course module is far smaller).
_SNIFF_BYTES = 512 * 1024
_DEFINES = re.compile(
    rb"^[ \t]*(?:def|class)[ \t]+(" + b"|".join(s.encode() for s in ASSIGNMENT_SYMBOLS) + rb")\b",
    re.MULTILINE,
)


def module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a module runs when imported, in source order, looking into module-level
    ``if``/``try`` blocks: ``try: from numba import jit`` / ``except ImportError: def jit(f)`` still
    defines ``jit`` at the top level."""
    todo = list(reversed(body))  # a stack, not recursion: an upload may nest a thousand `if`s
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If | ast.Try):
            handlers = [s for h in node.handlers for s in h.body] if isinstance(node, ast.Try) else []
            finals = node.finalbody if isinstance(node, ast.Try) else []
            todo += reversed([*node.body, *handlers, *node.orelse, *finals])
        else:
            yield node


def bound_names(node: ast.stmt) -> list[str]:
    """The names a module-level statement binds: a def's or class's, or plain assignment targets."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [t.id for t in targets if isinstance(t, ast.Name)]
    return []


def defined_symbols(tree: ast.Module | None, text: str) -> set[str]:
    """The assignment's symbols a module defines (by ``def`` or ``class``) at its top level. A file
    that did not parse (``tree`` None) is read line by line instead, so a syntax error elsewhere in
    ``layers.py`` does not hide which folder is the package."""
    if tree is None:
        return {m.decode() for m in _DEFINES.findall(text.encode("utf-8", "replace"))}
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    found = {n.name for n in module_statements(tree.body) if isinstance(n, definitions)}
    return found & set(ASSIGNMENT_SYMBOLS)


def package_of(file: Path) -> Path:
    """The package folder a module belongs to: its own folder, or the parent of ``classifiers/``."""
    folder = file.parent
    return folder.parent if folder.name in MODEL_FOLDERS else folder


def looks_like_package(folder: Path) -> bool:
    """Cheaply, whether ``folder`` is a course package: it holds a course module by name
    (``layers.py``, ``conv_layers.py``, ...), or it is a Python package (``__init__.py``) with a
    module, directly or in ``classifiers/``, whose text defines one of the assignment's functions.
    (A folder of modules that each define the assignment is a class's single-file submissions,
    not a package.) Only the text is searched, never parsed."""
    try:
        if any((folder / name).is_file() for name in COURSE_FILE_NAMES):
            return True
        if not (folder / "__init__.py").is_file():
            return False
        files = [*folder.glob("*.py"), *(p for m in MODEL_FOLDERS for p in (folder / m).glob("*.py"))]
    except OSError:
        return False
    return any(map(defines_assignment, sorted(files)))


def defines_assignment(file: Path) -> bool:
    """Cheaply, whether a module's text defines one of the assignment's functions."""
    try:
        if not file.is_file():
            return False
        with file.open("rb") as f:
            return _DEFINES.search(f.read(_SNIFF_BYTES)) is not None
    except OSError:
        return False
