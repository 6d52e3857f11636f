"""Ports of the assignment that rename the course package (UMass cs682/, UCLA nndl/, SJTU MS325/,
Berkeley deeplearning/, SYSU annp/): the package is found by what it defines, however it is handed
in, and a class of them gives one submission, and one report named for the student, per entry."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from bundle_exercise import exercise, make_inputs
from loader_support import REPO, SUBMISSIONS, exercise_bundle

from grader.load.discovery import find_submissions, is_submission_dir
from grader.load.submission import REQUIRED_SYMBOLS, LoadError, load
from grader.report.models import read_report
from grader.run.batch import plan

PORTS = SUBMISSIONS / "ports"
PACKAGE = SUBMISSIONS / "correct_package" / "cs231n"
LAYERS = REQUIRED_SYMBOLS[:9]
SANDWICHES = REQUIRED_SYMBOLS[9:13]


def _where(
    package: str,
    layers: str = "layers",
    conv: str = "layers",
    utils: str = "layer_utils",
    cnn: str = "classifiers/cnn",
) -> dict[str, str]:
    """symbol -> the file the manifest must name, for a package laid out as given."""
    files = {s: f"{package}/{conv if s.startswith(('conv_', 'max_pool_')) else layers}.py" for s in LAYERS}
    files |= {s: f"{package}/{utils}.py" for s in SANDWICHES}
    return files | {"ThreeLayerConvNet": f"{package}/{cnn}.py"}


EXPECTED = {
    "cs682": _where("cs682"),
    "relative_imports": _where("deeplearning"),
    "nndl_split": _where("nndl", conv="conv_layers", utils="conv_layer_utils", cnn="cnn"),
    "annp.zip": _where("annp"),
}


def reference_get(name: str):
    for module in ("reference.layers", "reference.fast_layers", "reference.layer_utils", "reference.cnn"):
        found = getattr(importlib.import_module(module), name, None)
        if found is not None:
            return found
    raise AttributeError(name)


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    return exercise(reference_get, make_inputs(), set(REQUIRED_SYMBOLS))


def renamed_package(target: Path, name: str) -> Path:
    """correct_package's cs231n/ copied to ``target`` with the package renamed, imports included."""
    for file in PACKAGE.rglob("*"):
        if file.is_file():
            dest = target / file.relative_to(PACKAGE)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(re.sub(r"\bcs231n\b", name, file.read_text()))
    return target


def assert_computes_the_reference(bundle, expected, tmp_path: Path) -> None:
    got = exercise_bundle(bundle, make_inputs(), tmp_path)
    assert sorted(got) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-9, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_each_port_loads_every_symbol_from_its_own_file(example: str, expected, tmp_path: Path):
    bundle = load(PORTS / example, tmp_path / "scratch")
    found = {name: where and where.file for name, where in bundle.manifest.symbols.items()}
    assert found == EXPECTED[example]
    assert not [f for f in bundle.manifest.findings if f.kind in ("duplicate", "import_unavailable")]
    # The absolute `from cs682.layers import *`, the relative `from ..layers import *` and UCLA's
    # `from cs231n.fast_layers import *` inside nndl/ all import in the bundle.
    assert_computes_the_reference(bundle, expected, tmp_path)


def test_ucla_starter_package_beside_nndl_is_starter_code_not_the_submission(tmp_path: Path):
    bundle = load(PORTS / "nndl_split", tmp_path / "scratch")
    roles = {f.path: f.role for f in bundle.manifest.files}
    assert {p for p, r in roles.items() if p.startswith("cs231n/")} == {
        f"cs231n/{m}.py"
        for m in ("__init__", "fast_layers", "im2col", "optim", "solver", "gradient_check", "data_utils")
    }
    assert all(r == "starter" for p, r in roles.items() if p.startswith("cs231n/") and "__init__" not in p)
    assert all(r == "student" for p, r in roles.items() if p.startswith("nndl/"))
    assert not any(p.endswith(".ipynb") for p in roles)  # the notebooks only call the package
    # The shim that `from cs231n.fast_layers import *` in conv_layer_utils.py reaches.
    assert "cnngrade_starter" in (bundle.root / "cs231n" / "fast_layers.py").read_text()


def test_a_renamed_package_is_graded_alone_in_a_holder_and_zipped_alike(tmp_path: Path):
    """The package folder itself, the folder holding it, a zip of either, a zip of its files."""
    package = renamed_package(tmp_path / "holder" / "MS325", "MS325")
    archive = tmp_path / "MS325.zip"
    shutil.make_archive(str(tmp_path / "MS325"), "zip", tmp_path / "holder")
    shutil.make_archive(str(tmp_path / "files"), "zip", package)  # no folder inside: named by imports
    for given in (package, package.parent, archive, tmp_path / "files.zip"):
        bundle = load(given, tmp_path / "scratch")
        assert {n: w and w.file for n, w in bundle.manifest.symbols.items()} == _where("MS325"), given
        assert bundle.manifest.symbols["ThreeLayerConvNet"].module == "MS325.classifiers.cnn"


def test_a_package_without_init_kept_under_its_name_when_it_imports_itself(tmp_path: Path):
    package = renamed_package(tmp_path / "cs682", "cs682")
    for init in package.rglob("__init__.py"):
        init.unlink()
    bundle = load(package, tmp_path / "scratch")
    assert bundle.manifest.symbols["conv_relu_forward"].module == "cs682.layer_utils"


def test_multi_assignment_repository_of_a_renamed_package_grades_the_convnet(tmp_path: Path):
    repo = tmp_path / "repo"
    renamed_package(repo / "assignment2" / "cs682", "cs682")
    shutil.copytree(SUBMISSIONS / "partial", repo / "assignment1" / "cs682")  # no ConvNet
    bundle = load(repo, tmp_path / "scratch")
    assert bundle.manifest.symbols["affine_forward"].file == "cs682/layers.py"
    assert not any(f.path.startswith("assignment1") for f in bundle.manifest.files)
    (finding,) = [f for f in bundle.manifest.findings if f.kind == "course_folder"]
    assert finding.message.startswith(
        "graded assignment2/cs682, the course package with the convolutional network"
    )


def _class(root: Path) -> Path:
    """s1: cs682/ beside its notebook; s2: MS325/; s3.zip: annp/ zipped; s4: nothing."""
    renamed_package(root / "s1" / "cs682", "cs682")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("from cs682.layers import *")])
    nbformat.write(notebook, root / "s1" / "ConvolutionalNetworks.ipynb")
    renamed_package(root / "s2" / "MS325", "MS325")
    annp = renamed_package(root.parent / "annp_src" / "annp", "annp")
    with zipfile.ZipFile(root / "s3.zip", "w") as z:
        for file in sorted(annp.rglob("*.py")):
            z.write(file, file.relative_to(annp.parent).as_posix())
    (root / "s4").mkdir()
    return root


def test_a_class_of_ports_is_one_submission_per_student(tmp_path: Path):
    klass = _class(tmp_path / "class")
    found = [s for _, s in find_submissions([klass])]
    assert found == [klass / "s1", klass / "s2", klass / "s3.zip", klass / "s4"]
    assert [j.target.name for j in plan([klass], tmp_path / "out")] == [f"s{i}.json" for i in range(1, 5)]
    with pytest.raises(LoadError, match=r"^s4: no Python files, notebook or zip to grade in it$"):
        load(klass / "s4", tmp_path / "scratch")
    assert load(klass / "s1", tmp_path / "scratch").manifest.symbols["ThreeLayerConvNet"].module == (
        "cs682.classifiers.cnn"
    )


def test_the_bundled_examples_count_each_port_once():
    found = [s for _, s in find_submissions([SUBMISSIONS])]
    ports = sorted(s.relative_to(PORTS).as_posix() for s in found if s.is_relative_to(PORTS))
    assert ports == sorted(EXPECTED)


def _lean_rubric(target: Path) -> Path:
    """The assignment's rubric without training and timing: every layer, sandwich and model check."""
    head, *blocks = (REPO / "rubrics" / "convnet.toml").read_text().split("[[checks]]")
    kept = [b for b in blocks if 'kind = "train"' not in b and 'kind = "fast_speedup"' not in b]
    target.write_text(head + "".join("[[checks]]" + b for b in kept))
    return target


@pytest.mark.slow
def test_grading_a_class_of_ports_writes_a_report_per_student(tmp_path: Path):
    klass = _class(tmp_path / "class")
    out = tmp_path / "reports"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "grade",
            str(klass),
            "--out",
            str(out),
            "--jobs",
            "1",
            "--secret",
            "s",
            "--rubric",
            str(_lean_rubric(tmp_path / "lean.toml")),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert "4 submissions: 4 graded" in run.stdout, run.stdout + run.stderr
    reports = {p.stem: read_report(p) for p in out.glob("*.json")}
    assert sorted(reports) == ["s1", "s2", "s3", "s4"]
    for name in ("s1", "s2", "s3"):
        assert reports[name].error is None and reports[name].score == reports[name].max_score, name
    assert reports["s4"].score == 0
    assert reports["s4"].error == "s4: no Python files, notebook or zip to grade in it"


@pytest.mark.slow
def test_check_the_cs682_package_folder_itself_gives_full_marks(tmp_path: Path):
    """The reported failure: `cnngrade check cs682/` scored 18/52, every sandwich and model check
    failing with `No module named 'cs682'`. The public layer, sandwich and model checks all pass."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "check",
            str(PORTS / "cs682"),
            "--json",
            "--rubric",
            str(_lean_rubric(tmp_path / "lean.toml")),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No module named" not in run.stdout + run.stderr
    report = json.loads(run.stdout)
    ran = [c for c in report["checks"] if c["status"] != "skipped"]
    assert {c["id"] for c in ran} >= {"conv_relu_pool.gradient", "initial_loss.reg", "cnn_gradient.no_reg"}
    assert [(c["id"], c["message"]) for c in ran if c["status"] != "passed"] == []
    assert report["score"] == sum(c["max_points"] for c in ran)


def test_ucla_starter_in_utils_or_with_assignment1_layers_is_not_the_submission(tmp_path: Path):
    """UCLA's starter kept in `utils/` beside `nndl/` (student folder, one submission), or a starter
    `cs231n/` that also holds assignment 1's `layers.py`: `nndl/` is graded either way."""
    student = tmp_path / "class" / "bruin"
    shutil.copytree(PORTS / "nndl_split", student)
    shutil.move(student / "cs231n", student / "utils")
    assert [s for _, s in find_submissions([student.parent])] == [student]
    bundle = load(student, tmp_path / "scratch")
    assert {n: w and w.file for n, w in bundle.manifest.symbols.items()} == EXPECTED["nndl_split"]
    # `from cs231n.fast_layers import *` in nndl/ still reaches the starter: the cs231n shims.
    assert "cnngrade_starter" in (bundle.root / "cs231n" / "fast_layers.py").read_text()

    other = tmp_path / "other"
    shutil.copytree(PORTS / "nndl_split", other)
    shutil.copy(PORTS / "nndl_split" / "nndl" / "layers.py", other / "cs231n" / "layers.py")
    bundle = load(other, tmp_path / "scratch")
    assert {n: w and w.file for n, w in bundle.manifest.symbols.items()} == EXPECTED["nndl_split"]


def test_the_ports_folder_is_a_folder_of_submissions_each_one_submission():
    assert not is_submission_dir(PORTS)
    assert all(is_submission_dir(PORTS / name) for name in ("cs682", "relative_imports", "nndl_split"))


def test_flat_course_files_with_an_init_still_importing_cs231n_stay_flat(tmp_path: Path):
    """A Gradescope upload of the edited files and an `__init__.py`, saying `from cs231n.layers
    import *`: loaded flat as before (the cs231n shims lead to them), not under the folder's name."""
    upload = tmp_path / "submission"
    upload.mkdir()
    for rel in ("__init__.py", "layers.py", "layer_utils.py", "classifiers/cnn.py"):
        shutil.copy(PACKAGE / rel, upload / Path(rel).name)
    bundle = load(upload, tmp_path / "scratch")
    assert bundle.manifest.symbols["ThreeLayerConvNet"].module == "cnn"
    assert None not in bundle.manifest.symbols.values()
