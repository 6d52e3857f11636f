"""The student's own code in a submission, as one document to fingerprint.

The loader (`grader.load.submission.load`) decides what a submission is and which of its files are the
student's (`role == "student"`; starter files such as `fast_layers.py` are the course's). Within
those files only functions count, and of a function only what the student wrote:

- a function with START/END markers: the lines between each START and its END;
- a function without markers that the course hands out already written (the sandwiches of
  `layer_utils.py`, named in `reference/starter`): nothing;
- any other function or method (course years before the markers, a student's own helpers): the
  whole function. What it shares with the skeleton (signature, docstring, ``return out, cache``)
  is removed later as boilerplate (`grader.similarity.detect`).

Module-level statements (imports, constants) and a notebook's test cells are the course's and are
left out. A notebook counts by its code cells, in the same way; a file or cell that does not parse
counts whole. The pieces are joined into one document, each after a comment naming where it came
from; comments are dropped by the tokeniser, so the labels never match anything.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from grader.load.errors import LoadError
from grader.load.integrity import MARKER, SKELETON_DIR
from grader.load.notebook import UNPARSABLE, code_cells, read_notebook, strip_ipython
from grader.load.submission import Bundle, load

_SOURCE_SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Piece:
    """A stretch of the student's code: ``file`` inside the submission (the notebook for a cell),
    ``cell`` (counting every cell from 1), the number of its first line in the file or cell, and
    the function it is in (empty for a file or cell that did not parse)."""

    file: str
    cell: int | None
    first_line: int
    text: str
    function: str = ""

    @property
    def label(self) -> str:
        where = f"{self.file}, cell {self.cell}" if self.cell is not None else self.file
        return f"{where}, {self.function}" if self.function else where


@dataclass
class StudentCode:
    """One submission's own code: its pieces joined into ``document``, or why it could not be read."""

    name: str
    path: str
    sha256: str = ""
    kind: str = ""
    pieces: list[Piece] = field(default_factory=list)
    error: str | None = None
    document: str = ""
    starts: list[int] = field(default_factory=list)  # offset of each piece's text in the document
    line_starts: list[int] = field(default_factory=list)  # offset of each document line
    code_lines: set[int] = field(default_factory=set)  # document lines of code (not labels, not blank)

    def __post_init__(self) -> None:
        parts: list[str] = []
        offset = 0
        for piece in self.pieces:
            header = f"# {piece.label}, line {piece.first_line}\n"
            self.starts.append(offset + len(header))
            text = piece.text if piece.text.endswith("\n") else piece.text + "\n"
            parts += [header, text]
            offset += len(header) + len(text)
        self.document = "".join(parts)
        self.line_starts = [0] + [i + 1 for i, ch in enumerate(self.document) if ch == "\n"]
        labels = {bisect.bisect_right(self.line_starts, start) - 2 for start in self.starts}  # line before
        lines = self.document.split("\n")
        self.code_lines = {n for n, line in enumerate(lines) if line.strip() and n not in labels}

    @property
    def lines(self) -> int:
        """Non-blank lines of the student's own code."""
        return sum(1 for piece in self.pieces for line in piece.text.splitlines() if line.strip())

    def lines_in(self, spans: list[tuple[int, int]]) -> int:
        """How many lines of code the spans (document offsets) touch."""
        covered: set[int] = set()
        for start, end in spans:
            first = bisect.bisect_right(self.line_starts, start) - 1
            last = bisect.bisect_right(self.line_starts, max(end - 1, start)) - 1
            covered.update(range(first, last + 1))
        return len(covered & self.code_lines)

    def piece_at(self, offset: int) -> int:
        """The piece a document offset falls in (a label counts with the piece before it)."""
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)

    def locate(self, offset: int) -> tuple[int, int]:
        """(piece index, line number in its file or cell) of a document offset."""
        index = self.piece_at(offset)
        start = self.starts[index]
        return index, self.pieces[index].first_line + self.document.count("\n", start, max(offset, start))


@cache
def course_functions() -> frozenset[str]:
    """Functions and methods the course hands out already written: in the skeleton, without markers."""
    names = set()
    for path in SKELETON_DIR.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for qualname, node in _functions(ast.parse(source)):
            body = lines[node.lineno - 1 : node.end_lineno]
            if not any(MARKER.match(line.strip()) for line in body):
                names.add(qualname)
    return frozenset(names)


def _functions(tree: ast.Module) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Top-level functions and the methods of top-level classes, in source order."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            found += [
                (f"{node.name}.{item.name}", item)
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
    return found


def own_code(source: str, file: str, cell: int | None = None, parsed: str | None = None) -> list[Piece]:
    """The student's pieces of one file or notebook cell (``parsed``: the text to parse, with the
    same line numbers, when IPython syntax had to be neutralised first)."""
    lines = source.splitlines()
    try:
        tree = ast.parse(parsed if parsed is not None else source)
    except UNPARSABLE:
        return [Piece(file, cell, 1, source)] if source.strip() else []
    pieces = []
    for qualname, node in _functions(tree):
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        spans = _marked_spans(lines, start, node.end_lineno)
        if spans is None:
            spans = [] if qualname in course_functions() else [(start, node.end_lineno)]
        for first, last in spans:
            text = "\n".join(lines[first - 1 : last])
            if text.strip() not in ("", "pass"):  # an unfilled region of the skeleton
                pieces.append(Piece(file, cell, first, text + "\n", qualname))
    return pieces


def _marked_spans(lines: list[str], start: int, end: int) -> list[tuple[int, int]] | None:
    """The (first, last) lines between each START and END marker of lines start..end, or None
    when there are no markers. A START without an END runs to the end of the function."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    seen = False
    for number in range(start, end + 1):
        marker = MARKER.match(lines[number - 1].strip())
        if not marker:
            continue
        seen = True
        if marker.group(1).upper() == "START":
            opened = number + 1
        elif opened is not None:
            spans.append((opened, number - 1))
            opened = None
    if opened is not None:
        spans.append((opened, end))
    return spans if seen else None


def notebook_code(data: bytes, file: str) -> list[Piece]:
    """The student's pieces of a notebook: the functions of its code cells (LoadError if unreadable)."""
    pieces = []
    for number, source in code_cells(read_notebook(data, file)):
        pieces += own_code(source, file, number, parsed=strip_ipython(source) or "")
    return pieces


def _originals(bundle: Bundle, scratch: Path) -> dict[str, bytes]:
    """The bytes of every source file the loader may have read, by sha256: the bundle's tree, what
    it unzipped, and the file (or the folder holding one notebook) given."""
    source = Path(bundle.source)
    places = [bundle.root, *sorted(scratch.glob("unzipped-*"))]
    files = [source] if source.is_file() else []
    if source.is_dir() and bundle.kind == "notebook":
        places.append(source)
    for place in places:
        files += [p for p in place.rglob("*") if p.suffix.lower() in _SOURCE_SUFFIXES and p.is_file()]
    found = {}
    for path in files:
        data = path.read_bytes()
        found[hashlib.sha256(data).hexdigest()] = data
    return found


def read_submission(name: str, path: Path) -> StudentCode:
    """Load a submission as the grader does and take the student's own code from it."""
    with tempfile.TemporaryDirectory(prefix="cnngrade-similarity-") as scratch:
        try:
            bundle = load(path, Path(scratch))
        except LoadError as exc:
            return StudentCode(name=name, path=str(path), error=str(exc))
        originals = _originals(bundle, Path(scratch))
        pieces: list[Piece] = []
        for entry in bundle.manifest.files:
            if entry.role != "student":
                continue
            data = originals.get(entry.sha256)
            if data is None:  # rewritten by the loader (undecodable bytes replaced): read its copy
                copy = bundle.root / entry.path
                data = copy.read_bytes() if copy.is_file() else b""
            if entry.path.lower().endswith(".ipynb"):
                try:
                    pieces += notebook_code(data, entry.path)
                except LoadError as exc:
                    return StudentCode(name=name, path=str(path), error=str(exc))
            else:
                pieces += own_code(data.decode("utf-8", errors="replace"), entry.path)
    return StudentCode(name=name, path=str(path), sha256=bundle.sha256, kind=bundle.kind.value, pieces=pieces)
