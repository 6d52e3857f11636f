"""`cnngrade release --kit DIR`: the student kit, a wheel of the self-check without the answer key.

Built from a staged copy of the checkout:

- the answer-key modules (`reference/layers.py`, `layer_utils.py`, `cnn.py`) become stubs with
  the same names whose every function raises; `reference/demo.py` (it runs them) is left out;
- every yardstick (`grader.judge.yardstick`) loses its body: its answers on the inputs the
  public checks will ask about are computed here by the reference and stored in
  `grader/judge/kit_yardstick.npz`, whose presence makes the grader the kit;
- the rubric given is the kit's only built-in rubric, and its default (the public expectations
  are precomputed for it alone); the distribution is named `cnngrade-kit`.

The starter modules the course hands out (`fast_layers`, `optim`, `solver`, `gradient_check`,
`data`, the notebook's cases) stay.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from pathlib import Path

from grader.judge import expected
from grader.judge.kinds.registry import kind_of
from grader.judge.rubric import Rubric
from grader.judge.rubric_catalog import DEFAULT_ID
from grader.judge.student_calls import KitContext
from grader.judge.yardstick import INSTALLED, Table, recording
from grader.release import ReleaseError
from grader.release.wheel import build_wheel, checkout_root, stage_project
from grader.report.models import Visibility
from grader.run.grade import GradeOptions, training_data

ANSWER_KEY = ("layers.py", "layer_utils.py", "cnn.py")  # in reference/
LEFT_OUT = ("demo.py",)
# Modules whose yardsticks lose their bodies in the kit.
WITH_YARDSTICKS = ("grader/judge/expected.py", "grader/judge/diagnose.py")
DISTRIBUTION = "cnngrade-kit"


def build(out_dir: Path, rubric_path: Path, rubric: Rubric, cache_dir: Path) -> Path:
    """Write the kit's wheel into `out_dir`; its path."""
    if not expected.full():
        raise ReleaseError("this is the student kit: releases are built from the instructor's checkout")
    table = precompute(rubric, cache_dir)
    with tempfile.TemporaryDirectory(prefix="cnngrade-kit-") as tmp:
        staged = stage_project(checkout_root(), Path(tmp) / "project")
        reference = staged / "reference"
        for name in ANSWER_KEY:
            (reference / name).write_text(stub_module(reference / name), encoding="utf-8")
        for name in LEFT_OUT:
            (reference / name).unlink()
        for name in WITH_YARDSTICKS:
            path = staged / name
            path.write_text(strip_yardsticks(path.read_text(encoding="utf-8")), encoding="utf-8")
        table.save(staged / INSTALLED.relative_to(INSTALLED.parents[2]))
        ship_rubric(staged / "grader", rubric_path, rubric.id)
        _kit_metadata(staged / "pyproject.toml")
        return build_wheel(staged, out_dir)


def ship_rubric(package: Path, rubric_path: Path, rubric_id: str) -> None:
    """The released rubric as the staged package's one built-in, named by its id, and its default."""
    folder = package / "rubrics"
    for other in folder.glob("*.toml"):
        other.unlink()
    shutil.copy(rubric_path, folder / f"{rubric_id}.toml")
    catalog = package / "judge" / "rubric_catalog.py"
    text = catalog.read_text(encoding="utf-8")
    line = f'DEFAULT_ID = "{DEFAULT_ID}"\n'
    if text.count(line) != 1:
        raise AssertionError(f"{catalog} no longer holds the line {line!r} the kit rewrites")
    catalog.write_text(text.replace(line, f'DEFAULT_ID = "{rubric_id}"\n'), encoding="utf-8")


def _kit_metadata(pyproject: Path) -> None:
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace('name = "cnngrade"', f'name = "{DISTRIBUTION}"', 1)
    text = re.sub(r"(grader = \[)", r'\1"judge/*.npz", ', text, count=1)
    pyproject.write_text(text, encoding="utf-8")


def stub_module(path: Path) -> str:
    """The module's public names, each a function or class that raises: no answer in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = [
        f'"""Not in the student kit: `reference/{path.name}` is the answer key (docs/kits.md)."""',
        "",
        "",
        "def _absent(name):",
        '    raise RuntimeError(f"{name} is part of the answer key and is not in the student kit")',
        "",
    ]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            lines += ["", f"def {node.name}(*args, **kwargs):", f'    _absent("{node.name}")', ""]
        elif isinstance(node, ast.ClassDef):
            lines += [
                "",
                f"class {node.name}:",
                "    def __init__(self, *args, **kwargs):",
                f'        _absent("{node.name}")',
                "",
            ]
    return "\n".join(lines)


def strip_yardsticks(source: str) -> str:
    """The module with the body of every @yardstick function (docstring kept) replaced by a line
    that raises: in the kit the decorator answers from the table and never calls it."""
    lines = source.splitlines(keepends=True)
    cuts = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and any(_is_yardstick(d) for d in node.decorator_list):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            indent = " " * body[0].col_offset
            stub = f'{indent}raise AssertionError("answered from the student kit\'s table")\n'
            cuts.append((body[0].lineno - 1, body[-1].end_lineno, stub))
    for start, end, stub in sorted(cuts, reverse=True):
        lines[start:end] = [stub]
    return "".join(lines)


def _is_yardstick(decorator: ast.expr) -> bool:
    called = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(called, ast.Name) and called.id == "yardstick"


def precompute(rubric: Rubric, cache_dir: Path) -> Table:
    """The reference's answers on every input the rubric's public checks will ask the kit about:
    each kind says what its checks ask (`CheckKind.precompute`), on the training data prepared
    here for the public training checks."""
    data_dir = training_data(rubric, GradeOptions(cache_dir=cache_dir, public_only=True))
    kit = KitContext(cache_dir=cache_dir, data_dir=data_dir)
    with recording(Table()) as table:
        for spec in rubric.checks:
            if spec.visibility == Visibility.public:
                kind_of(spec).precompute(spec, kit)
    return table
