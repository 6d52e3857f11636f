"""Turn a student's Jupyter notebook into one importable module, without running it.

By default only definitions are taken, in cell order: imports, ``def``, ``class`` and assignments
of literal constants. Everything else (the test cells that print results, the long training cell)
is left out, so importing the module is quick and has no side effects. With ``keep_all`` every
top-level statement is kept and the module replays the notebook when imported (inside the
sandbox only).

IPython syntax is never executed: line magics, shell escapes (``!ls``, ``x = !ls``) and help
(``np.pad?``) become ``pass``; a cell magic other than ``%%time``/``%%timeit``/``%%capture``
skips its cell. A cell that still fails to parse is reported and skipped; the others load.

A notebook-only submission has no course package, so its ``from cs231n.layers import *`` and
imports of starter modules or of modules the worker lacks (anything but the standard library and
numpy, e.g. matplotlib) are dropped (and reported); the module starts with ``from
cnngrade_starter.fast_layers import *`` so sandwich layers defined in the notebook still find
``conv_forward_fast`` and friends.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from grader.load import old_numpy, python2
from grader.load.course_package import COURSE_FILE_NAMES
from grader.load.errors import LoadError
from grader.load.starter import WORKER_MODULES
from grader.report.models import Finding

if TYPE_CHECKING:
    import nbformat

PRELUDE = "import numpy as np\nfrom cnngrade_starter.fast_layers import *  # the course's fast layers\n"
# Cell magics whose body is plain Python: the body is kept, the magic line dropped.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture"})
# `x = !ls` or `out = %timeit -o f()`: an assignment whose right side is IPython syntax.
_MAGIC_ASSIGN = re.compile(r"^\s*[\w.,\s\[\]()]+=\s*[!%]")
# `np.pad?` / `np.pad??`: IPython help (a comment ending in "?" is not).
_HELP = re.compile(r"[\w.]+\?\??")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# What ast.parse raises on source it cannot take: NUL bytes give ValueError in some Python
# versions, absurd nesting gives MemoryError or RecursionError.
UNPARSABLE = (SyntaxError, ValueError, MemoryError, RecursionError)
# The course modules a notebook imports its code from, whatever the package is called.
COURSE_MODULES = tuple(name.removesuffix(".py") for name in COURSE_FILE_NAMES)
# The course's notebook has about a hundred cells; a notebook with many thousands is not one.
MAX_CELLS = 5_000


def parse_error(exc: BaseException) -> str:
    """One line saying why source did not parse."""
    if isinstance(exc, SyntaxError):
        return exc.msg
    return f"cannot be parsed ({type(exc).__name__}: nested too deeply or not text)"


def exc_line(exc: BaseException) -> int | None:
    return exc.lineno if isinstance(exc, SyntaxError) else None


class Definition(BaseModel):
    """Where a name is defined: ``cell`` counts every cell from 1, ``line`` counts within it."""

    model_config = ConfigDict(extra="forbid")
    cell: int
    line: int


class NotebookModule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str  # the generated module's text
    definitions: dict[str, Definition] = Field(default_factory=dict)  # the last one wins, as in Jupyter
    # Files of a course package the notebook imports, in the course's order (`from
    # cs682.classifiers.cnn import *` -> "cs682/classifiers/cnn.py"): where its code lives in a
    # package-based course year or port.
    course_imports: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)


def read_notebook(data: bytes, name: str, max_cells: int = MAX_CELLS) -> nbformat.NotebookNode:
    """Parse (and upgrade to v4) a notebook's bytes, or raise LoadError with the reason.

    Only the code cells' source is handed to nbformat (every other cell stays, empty, so cells
    keep their numbers): its schema validation costs seconds and hundreds of MB on a 100 MB
    notebook, nearly all of it outputs, attachments and text the grader never reads. The cells
    are counted against `max_cells` first."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{name}: not a notebook (not UTF-8 text: {exc.reason} at byte {exc.start})"
        ) from None
    try:
        document = json.loads(text)
    except RecursionError:  # json recurses once per nesting level
        raise LoadError(f"{name}: not a readable notebook (its JSON is nested too deeply)") from None
    except ValueError:
        raise LoadError(f"{name}: not a notebook (the file is not valid JSON)") from None
    if not isinstance(document, dict):
        raise LoadError(f"{name}: not a notebook (the file is not valid JSON)")
    del text
    cells = _cell_lists(document)
    count = sum(len(c) for c in cells)
    if count > max_cells:
        raise LoadError(f"{name}: {count} cells, more than the cap of {max_cells}")
    for cell in (c for cell_list in cells for c in cell_list if isinstance(c, dict)):
        if "outputs" in cell:
            cell["outputs"] = []
        cell.pop("attachments", None)
        if cell.get("cell_type") != "code":  # kept, empty: cells are numbered counting every one
            cell["source"] = ""
    # Imported here, not at the top: nbformat (with jsonschema and traitlets) costs every command
    # about 40 ms of CPU at its start, and most submissions are not notebooks.
    import nbformat

    # Schema problems are tolerated (cells are read defensively below); capturing them, and the
    # warnings about cell ids, only keeps nbformat from logging them.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(document), as_version=4, capture_validation_error={})
    except RecursionError:  # nbformat's validation recurses once per nesting level
        raise LoadError(f"{name}: not a readable notebook (its JSON is nested too deeply)") from None
    except (ValueError, KeyError, TypeError, AttributeError, nbformat.ValidationError) as exc:
        raise LoadError(f"{name}: not a readable notebook ({type(exc).__name__}: {exc})") from None
    if not isinstance(nb.get("cells"), list):
        raise LoadError(f"{name}: not a readable notebook (it has no list of cells)")
    return nb


def _cell_lists(document: dict) -> list[list]:
    """The notebook's lists of cells: v4's `cells`, or each v3 worksheet's."""
    lists = [document.get("cells")]
    worksheets = document.get("worksheets")
    if isinstance(worksheets, list):
        lists += [w.get("cells") for w in worksheets if isinstance(w, dict)]
    return [c for c in lists if isinstance(c, list)]


def code_cells(nb: nbformat.NotebookNode) -> Iterable[tuple[int, str]]:
    """(cell number counting every cell from 1, source) for each non-empty code cell."""
    for number, cell in enumerate(nb.cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if source.strip():
            yield number, source


def strip_ipython(source: str) -> str | None:
    """The cell with IPython-only lines turned into ``pass`` (same line numbers); None to skip it."""
    lines = source.splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip())
    if lines[first].lstrip().startswith("%%"):
        magic = (lines[first].lstrip()[2:].split() or [""])[0]
        if magic not in PYTHON_CELL_MAGICS:
            return None
        lines[first] = ""
    out = []
    for line in lines:
        stripped = line.lstrip()
        ipython = (
            stripped.startswith(("%", "!", "?")) or _HELP.fullmatch(stripped) or _MAGIC_ASSIGN.match(line)
        )
        out.append(line[: len(line) - len(stripped)] + "pass" if ipython and stripped else line)
    return "\n".join(out) + "\n"


def _is_literal_assignment(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return False
    if not all(isinstance(t, ast.Name) for t in targets):
        return False
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _is_ipython_call(node: ast.stmt) -> bool:
    """``get_ipython().system(...)`` and the like, as nbconvert writes magics."""
    if not isinstance(node, ast.Expr):
        return False
    return any(isinstance(n, ast.Name) and n.id == "get_ipython" for n in ast.walk(node.value))


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, _DEFINITIONS):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []

# What a notebook's cells call numpy, whichever cell imported it.
_NUMPY_NAMES = frozenset({"np", "numpy"})


class _Converter:
    """Accumulates the module text, definitions and findings while walking the cells."""

    def __init__(self, name: str, starter_modules: frozenset[str], keep_all: bool) -> None:
        self.name = name
        self.starter_modules = starter_modules
        self.keep_all = keep_all
        self.futures: list[str] = []
        self.body: list[str] = []
        self.seen: dict[str, list[int]] = {}  # cells defining each function or class
        self.dropped: dict[tuple[int, str], list[tuple[int, str]]] = {}  # (cell, why) -> [(line, import)]
        self.result = NotebookModule(source="")

    def finding(self, kind: str, cell: int, line: int | None, message: str) -> None:
        where = f"cell {cell}" + (f", line {line}" if line else "")
        self.result.findings.append(
            Finding(kind=kind, file=self.name, line=line, message=f"{where}: {message}")
        )

    def _unavailable(self, module: str | None, level: int) -> str | None:
        """Why an imported module cannot be used here, or None if it can."""
        if level or not module:
            return "a relative import, and a notebook is not a package"
        top = module.split(".")[0]
        course_module = top not in WORKER_MODULES and module.rsplit(".", 1)[-1] in COURSE_MODULES
        if course_module:
            self._course_import(module)
        if top == "cs231n" or course_module or top in self.starter_modules:
            return "course code: a notebook-only submission has no course package"
        if top not in WORKER_MODULES:
            return f"the grader's worker has only the standard library and numpy, not {top!r}"
        return None

    def _course_import(self, module: str) -> None:
        imports = self.result.course_imports
        path = module.replace(".", "/") + ".py"
        if path not in imports:
            imports.append(path)
            imports.sort(key=lambda p: COURSE_MODULES.index(p.rsplit("/", 1)[-1].removesuffix(".py")))

    def _import(self, node: ast.Import | ast.ImportFrom, cell: int) -> str | None:
        """The import's text without the modules that cannot be used here (recorded), or None."""
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            self.futures.append(ast.unparse(node))
            return None
        if isinstance(node, ast.ImportFrom):
            parts = [(node, self._unavailable(node.module, node.level))]
        else:
            parts = [(ast.Import(names=[alias]), self._unavailable(alias.name, 0)) for alias in node.names]
        kept = []
        for part, reason in parts:
            if reason is None:
                kept.append(ast.unparse(part))
            else:
                self.dropped.setdefault((cell, reason), []).append((node.lineno, ast.unparse(part)))
        return "\n".join(kept) or None

    def add_cell(self, cell: int, raw: str) -> None:
        source = strip_ipython(raw)
        if source is None:
            self.finding(
                "notebook.cell_magic", cell, 1, f"skipped: `{raw.strip().splitlines()[0]}` cell magic"
            )
            return
        try:
            tree = ast.parse(source)
        except UNPARSABLE as exc:
            why = python2.from_syntax_error(exc) if isinstance(exc, SyntaxError) else None
            kind = "python2" if why else "notebook.syntax_error"
            message = python2.MESSAGE.format(why=why) if why else parse_error(exc)
            self.finding(kind, cell, exc_line(exc), f"{message}; cell skipped")
            return
        for line, message in old_numpy.from_tree(tree, _NUMPY_NAMES):
            self.finding("old_numpy", cell, line, message)
        lines = source.splitlines()
        kept: list[str] = []
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                text = self._import(node, cell)
            elif isinstance(node, _DEFINITIONS):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                text = "\n".join(lines[start - 1 : node.end_lineno])
            elif _is_ipython_call(node):
                self.finding("notebook.ipython", cell, node.lineno, "skipped a get_ipython() call")
                text = None
            elif self.keep_all or _is_literal_assignment(node):
                text = ast.get_source_segment(source, node)
            else:
                text = None
            if text is None:
                continue
            kept.append(text)
            for symbol in _defined_names(node):
                self.result.definitions[symbol] = Definition(cell=cell, line=node.lineno)
                if isinstance(node, _DEFINITIONS):
                    self.seen.setdefault(symbol, []).append(cell)
        if kept:
            self.body.append(f"\n\n# --- cell {cell} ---\n" + "\n\n".join(kept) + "\n")

    def finish(self) -> NotebookModule:
        for (cell, reason), imports in self.dropped.items():
            listed = ", ".join(f"`{text}`" for _, text in imports)
            self.finding("notebook.import_dropped", cell, imports[0][0], f"dropped {listed} ({reason})")
        for symbol, cells in self.seen.items():
            if len(cells) > 1 and any(c != cells[0] for c in cells):
                where = ", ".join(str(c) for c in cells)
                self.result.findings.append(
                    Finding(
                        kind="duplicate",
                        file=self.name,
                        message=f"{symbol} is defined in cells {where}; the last (cell {cells[-1]}) is used",
                    )
                )
        mode = "the whole notebook" if self.keep_all else "definitions only (imports, def, class, constants)"
        header = f"# Generated by cnngrade from {self.name}: {mode}, in cell order.\n"
        futures = "".join(f"{line}\n" for line in dict.fromkeys(self.futures))
        self.result.source = header + futures + PRELUDE + "".join(self.body)
        return self.result


def notebook_to_module(
    nb: nbformat.NotebookNode, name: str, starter_modules: Iterable[str], *, keep_all: bool = False
) -> NotebookModule:
    """Convert a parsed notebook; LoadError if it has no code at all."""
    cells = list(code_cells(nb))
    if not cells:
        raise LoadError(f"{name}: the notebook has no code cells")
    converter = _Converter(name, frozenset(starter_modules), keep_all)
    for cell, source in cells:
        converter.add_cell(cell, source)
    return converter.finish()
