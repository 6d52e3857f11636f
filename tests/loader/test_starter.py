"""Starter modules travel as cnngrade_starter; a student's copies become shims; the answer key
never enters a bundle."""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest
from loader_support import SUBMISSIONS, run_in_root

from grader.load.starter import COPIED_MODULES, PACKAGE, REFERENCE_DIR
from grader.load.submission import load

EXAMPLES = [
    "correct_package",
    "correct_module/convnet_hw.py",
    "correct_notebook/ConvolutionalNetworks.ipynb",
    "partial",
    "syntax_error",
]
ANSWER_KEY = ("layers.py", "layer_utils.py", "cnn.py", "data.py")


def test_student_starter_files_are_replaced(scratch: Path):
    bundle = load(SUBMISSIONS / "correct_package", scratch)
    code = (
        "import cs231n.fast_layers as theirs, cnngrade_starter.fast_layers as ours\n"
        "import cs231n.solver, cnngrade_starter.solver\n"
        "from cs231n.data_utils import *\n"
        "from cs231n.data_utils import load_CIFAR10\n"
        "print(theirs.conv_forward_fast is ours.conv_forward_fast,"
        " cs231n.solver.Solver is cnngrade_starter.solver.Solver)\n"
        "load_CIFAR10('/data')\n"
    )
    done = run_in_root(bundle.root, code)
    assert done.stdout.strip() == "True True"
    assert done.stderr.strip().splitlines()[-1] == (
        "RuntimeError: cs231n.data_utils.load_CIFAR10: course starter code the grader does not provide"
    )


def test_starter_modules_are_a_parameter(scratch: Path):
    bundle = load(SUBMISSIONS / "correct_package", scratch, starter_modules=("solver",))
    roles = {f.path: f.role for f in bundle.manifest.files}
    assert roles["cs231n/fast_layers.py"] == "student" and roles["cs231n/solver.py"] == "starter"
    # Kept as written, the student's fast layers need the extension nobody compiled.
    done = run_in_root(bundle.root, "import cs231n.layer_utils")
    assert "No module named 'cs231n.im2col_cython'" in done.stderr


def test_cnngrade_starter_is_the_reference_starter_code_verbatim(scratch: Path):
    root = load(SUBMISSIONS / "correct_module" / "convnet_hw.py", scratch).root
    files = sorted(p.name for p in (root / PACKAGE).iterdir() if p.is_file())
    assert files == sorted(["__init__.py", *(f"{m}.py" for m in COPIED_MODULES)])
    for module in COPIED_MODULES:
        assert (root / PACKAGE / f"{module}.py").read_bytes() == (REFERENCE_DIR / f"{module}.py").read_bytes()


@pytest.mark.parametrize("module", COPIED_MODULES)
def test_starter_modules_import_only_numpy_and_each_other(module: str):
    """Otherwise copying them could drag the answer key (or the grader) into a bundle."""
    allowed = sys.stdlib_module_names | {"numpy"}
    tree = ast.parse((REFERENCE_DIR / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert all(a.name.split(".")[0] in allowed for a in node.names), ast.unparse(node)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names = [node.module] if node.module else [a.name for a in node.names]
            assert set(names) <= set(COPIED_MODULES), ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            assert node.module.split(".")[0] in allowed, ast.unparse(node)


@pytest.mark.parametrize("example", EXAMPLES)
def test_answer_key_never_enters_a_bundle(example: str, scratch: Path):
    bundle = load(SUBMISSIONS / example, scratch)
    answer_key = {(REFERENCE_DIR / name).read_bytes() for name in ANSWER_KEY}
    for path in bundle.root.rglob("*"):
        if path.is_file():
            assert path.read_bytes() not in answer_key, path
    assert not (bundle.root / PACKAGE / "layers.py").exists()
    done = run_in_root(bundle.root, "import reference")
    assert "No module named 'reference'" in done.stderr


def test_imports_the_worker_lacks_are_reported(tmp_path: Path, scratch: Path):
    package = tmp_path / "pkg"
    shutil.copytree(SUBMISSIONS / "correct_package", package)
    cnn = package / "cs231n" / "classifiers" / "cnn.py"
    cnn.write_text(
        "import matplotlib.pyplot as plt\ntry:\n    import seaborn\nexcept ImportError:\n    pass\n"
        + cnn.read_text()
    )
    bundle = load(package, scratch)
    (finding,) = [f for f in bundle.manifest.findings if f.kind == "import_unavailable"]
    assert (finding.file, finding.line) == ("cs231n/classifiers/cnn.py", 1)
    assert "'matplotlib'" in finding.message
