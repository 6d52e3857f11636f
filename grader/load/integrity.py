"""Compare the code a student left outside the START/END markers with the course skeleton.

Students write their code between

    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

and the rest of each function is the course's. Changing it (a signature, the cache a forward pass
returns, the ``return`` line) or deleting the markers can break the grader's assumptions, so each
difference becomes a finding; the rubric decides whether it costs points.

The comparison is per function and method of the skeleton (a student's extra helpers are theirs to
add), token by token per logical line, so whitespace, line breaks, comments, docstrings, quote style
(``'W1'`` / ``"W1"``) and trailing commas never count: course years differ in exactly these.

Only functions that have the markers in both the skeleton and the student's file are compared. The
markers arrived in the 2019 course; earlier years (and every course-provided function, such as the
sandwich layers) have none, and their code is the course's, not the student's, to be judged.

By default a file gets at most one finding, a summary naming each changed function; ``detail``
gives one finding per change.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

from grader.report.models import Finding

START = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
# A marker line, possibly edited: "#", stars, "START/END OF YOUR CODE". The course's banner comment
# "#    END OF YOUR CODE    #" has no stars and is not a marker.
MARKER = re.compile(r"#\s*\*+\s*(START|END) OF YOUR CODE", re.IGNORECASE)
SKELETON_DIR = Path(__file__).resolve().parents[2] / "reference" / "starter"
# Skeleton files, by their path inside the course package.
SKELETONS = ("cs231n/layers.py", "cs231n/layer_utils.py", "cs231n/classifiers/cnn.py")
_SKIPPED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            value = first.value if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def _normal(tok: tokenize.TokenInfo) -> str:
    """A token as compared: a string literal by its value, so the quote style does not count."""
    if tok.type == tokenize.STRING:
        try:
            return repr(ast.literal_eval(tok.string))
        except (ValueError, SyntaxError, MemoryError, RecursionError):  # f-strings and the like
            return tok.string
    return tok.string


def _logical_lines(source: str, skip: set[int]) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, normalised tokens) of each logical line, comments left out."""
    tokens: list[str] = []
    start = 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NEWLINE or tok.type == tokenize.ENDMARKER:
            if tokens:
                yield start, tokens
            tokens = []
        elif tok.type not in _SKIPPED_TOKENS and tok.start[0] not in skip:
            if not tokens:
                start = tok.start[0]
            if tok.string in ")]}" and tokens and tokens[-1] == ",":
                tokens.pop()  # a trailing comma (black's style) is formatting
            tokens.append(_normal(tok))


def _code_by_line(source: str, tree: ast.Module) -> dict[int, str]:
    """Each logical line's tokens joined by one space, keyed by its first physical line, without
    comments and docstrings."""
    return {line: " ".join(tokens) for line, tokens in _logical_lines(source, _docstring_lines(tree))}


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Top-level functions and methods of top-level classes, by qualified name."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    found[f"{node.name}.{item.name}"] = item
    return found


class _Parsed:
    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.tree = ast.parse(source)
        self.code = _code_by_line(source, self.tree)
        self.functions = _functions(self.tree)

    def outside(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[str], list[int], int]:
        """The function's code lines outside the markers (markers included as tokens), their
        line numbers, and how many marker lines were not written exactly as the course wrote them."""
        texts: list[str] = []
        numbers: list[int] = []
        altered = 0
        inside = False
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        for number in range(start, node.end_lineno + 1):
            raw = self.lines[number - 1].strip()
            marker = MARKER.match(raw)
            if marker:
                altered += raw not in (START, END)
                inside = marker.group(1).upper() == "START"
                texts.append("<START>" if inside else "<END>")
                numbers.append(number)
            elif not inside and number in self.code:
                texts.append(self.code[number])
                numbers.append(number)
        return texts, numbers, altered

    def has_markers(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        return any(MARKER.match(self.lines[n - 1].strip()) for n in range(node.lineno, node.end_lineno + 1))


# Most telling first: a summary finding takes the kind of its most telling change.
_SEVERITY = ("integrity.signature", "integrity.return", "integrity.markers", "integrity.changed")


def _kind(lines: list[str]) -> str:
    if any(t.startswith(("def ", "async def ")) for t in lines):
        return "integrity.signature"
    if any(t in ("<START>", "<END>") for t in lines):
        return "integrity.markers"
    if any(t.startswith("return") or "cache" in t for t in lines):
        return "integrity.return"
    return "integrity.changed"


def compare(skeleton_source: str, student_source: str, file: str, *, detail: bool = False) -> list[Finding]:
    """Findings for ``file`` (the student's copy of a skeleton file; it must parse): one summary
    at most, or with ``detail`` one per change."""
    skeleton, student = _Parsed(skeleton_source), _Parsed(student_source)
    findings: list[Finding] = []
    for qualname, ref_node in skeleton.functions.items():
        node = student.functions.get(qualname)
        # Without markers on either side the code is the course's (or predates the markers).
        if node is None or not skeleton.has_markers(ref_node) or not student.has_markers(node):
            continue
        findings.extend(_changes(qualname, skeleton.outside(ref_node)[0], student.outside(node), node, file))
    return findings if detail else summarize(findings, file)


def _changes(
    qualname: str,
    ref_texts: list[str],
    outside: tuple[list[str], list[int], int],
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    file: str,
) -> list[Finding]:
    texts, numbers, altered = outside
    findings = []
    if altered:
        findings.append(
            Finding(
                kind="integrity.markers",
                file=file,
                line=node.lineno,
                message=f"{qualname}: {altered} START/END marker line(s) were modified",
            )
        )
    matcher = difflib.SequenceMatcher(a=ref_texts, b=texts, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed, added = ref_texts[i1:i2], texts[j1:j2]
        line = numbers[j1] if j1 < len(numbers) else node.end_lineno
        parts = []
        if removed:
            parts.append("skeleton had " + " | ".join(f"`{t}`" for t in removed))
        if added:
            parts.append("submission has " + " | ".join(f"`{t}`" for t in added))
        findings.append(
            Finding(
                kind=_kind(removed + added),
                file=file,
                line=line,
                message=f"{qualname}: code outside the markers changed: " + "; ".join(parts),
            )
        )
    return findings


def summarize(findings: list[Finding], file: str) -> list[Finding]:
    """One finding for the file: the most telling kind, the first line, each function named once."""
    if not findings:
        return []
    functions: dict[str, list[str]] = {}
    for finding in findings:
        name = finding.message.split(":", 1)[0]
        what = finding.kind.removeprefix("integrity.")
        functions.setdefault(name, [])
        if what not in functions[name]:
            functions[name].append(what)
    listed = ", ".join(f"{name} ({'/'.join(kinds)})" for name, kinds in functions.items())
    first = min(findings, key=lambda f: f.line or 0)
    return [
        Finding(
            kind=min((f.kind for f in findings), key=_SEVERITY.index),
            file=file,
            line=first.line,
            message=f"code outside the START/END markers differs from the course skeleton in {listed}; "
            f"first at line {first.line}: {_clip(first.message.split(': ', 1)[-1])}",
        )
    ]


def _clip(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def skeleton_for(relative_path: str) -> str | None:
    """The skeleton a submission file corresponds to, by file name (course or flat layout), or None."""
    name = relative_path.rsplit("/", 1)[-1]
    return next((s for s in SKELETONS if s.rsplit("/", 1)[-1] == name), None)
