"""Submissions written as students of each course year wrote them load with the right symbols,
the right findings and nothing spurious: 2016 (Python 2, no markers), 2017 (Python 3 through
`builtins`/`past`, numpy 1.x names, no markers), 2019 (markers inside the course's banners, single
quotes, a PyTorch file nothing imports), 2022 (a Colab notebook of a package-based year)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from bundle_exercise import exercise, make_inputs
from loader_support import SUBMISSIONS, exercise_bundle, write_notebook
from test_examples import reference_get

from grader.load.submission import REQUIRED_SYMBOLS, LoadError, load


@pytest.fixture(scope="module")
def expected() -> dict[str, np.ndarray]:
    return exercise(reference_get, make_inputs(), set(REQUIRED_SYMBOLS))


OLD_NUMPY_USES = {
    "course_2017": {"uses numpy.int", "uses numpy.float"},
    "course_2018_numpy_lib_pad": {
        "uses numpy.int",
        "uses numpy.float",
        "uses numpy.lib.pad",
        "uses numpy.product",
    },
    "course_2019": set(),
}


@pytest.mark.parametrize("year", list(OLD_NUMPY_USES))
def test_course_year_loads_clean_and_computes_what_the_reference_does(year, expected, tmp_path: Path):
    bundle = load(SUBMISSIONS / year, tmp_path / "scratch")
    assert [name for name, where in bundle.manifest.symbols.items() if where is None] == []
    assert bundle.manifest.symbols["ThreeLayerConvNet"].module == "cs231n.classifiers.cnn"
    # No integrity notes (no markers in 2017; course-provided sandwiches; quote style), and no
    # import problem for the PyTorch file of 2019, which nothing imports: only the old numpy names.
    assert [f for f in bundle.manifest.findings if f.kind != "old_numpy"] == []
    old_numpy = {f.message.split(",")[0] for f in bundle.manifest.findings if f.kind == "old_numpy"}
    assert old_numpy == OLD_NUMPY_USES[year]
    got = exercise_bundle(bundle, make_inputs(), tmp_path)
    for key, value in expected.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-9, atol=1e-12, err_msg=key)


def test_python2_submission_is_refused_with_one_clear_line(tmp_path: Path):
    with pytest.raises(LoadError) as info:
        load(SUBMISSIONS / "course_2016_python2", tmp_path / "scratch")
    assert str(info.value) == (
        "cs231n/layers.py, line 65: this is Python 2 code (a print statement); "
        "the grader runs Python 3 and does not convert it"
    )


def test_python2_that_parses_is_recognised_by_its_names(tmp_path: Path):
    package = tmp_path / "hw"
    shutil.copytree(SUBMISSIONS / "course_2016_python2", package)
    layers = package / "cs231n" / "layers.py"
    layers.write_text(layers.read_text().replace("  print 'conv forward output shape', out.shape\n", ""))
    with pytest.raises(LoadError) as info:
        load(package, tmp_path / "scratch")
    assert str(info.value).startswith("cs231n/layers.py, line 60: this is Python 2 code (`xrange`)")


def test_python2_file_nothing_imports_is_only_a_finding(tmp_path: Path):
    package = tmp_path / "hw"
    shutil.copytree(SUBMISSIONS / "course_2019", package)
    (package / "cs231n" / "vis_old.py").write_text("def show(x):\n    print 'shape', x.shape\n")
    bundle = load(package, tmp_path / "scratch")
    (finding,) = bundle.manifest.findings
    assert (finding.kind, finding.file, finding.line) == ("python2", "cs231n/vis_old.py", 2)
    assert "this is Python 2 code (a print statement)" in finding.message
    assert None not in bundle.manifest.symbols.values()


def test_import_problems_only_in_modules_the_worker_imports(tmp_path: Path):
    package = tmp_path / "hw"
    shutil.copytree(SUBMISSIONS / "course_2019", package)
    utils = package / "cs231n" / "layer_utils.py"
    utils.write_text("import torch\n" + utils.read_text())
    bundle = load(package, tmp_path / "scratch")
    # layer_utils is imported (it defines the sandwiches, and cnn.py imports it); the PyTorch
    # file under classifiers/ still is not.
    assert [(f.kind, f.file, f.line) for f in bundle.manifest.findings] == [
        ("import_unavailable", "cs231n/layer_utils.py", 1)
    ]


def test_notebook_without_its_course_package_names_the_missing_files(tmp_path: Path):
    notebook = SUBMISSIONS / "course_2022_notebook_only" / "ConvolutionalNetworks.ipynb"
    with pytest.raises(LoadError) as info:
        load(notebook, tmp_path / "scratch")
    assert str(info.value) == (
        "ConvolutionalNetworks.ipynb: the notebook imports its code from cs231n/layers.py, "
        "cs231n/layer_utils.py, cs231n/classifiers/cnn.py, which were not uploaded; upload the "
        "assignment folder (or a zip of it) with the notebook"
    )


def test_a_ports_notebook_without_its_package_names_the_ports_files(tmp_path: Path):
    # UMass's notebook imports from cs682/, UCLA's from nndl/ (its conv layers split out).
    cells = [
        "from cs682.classifiers.cnn import *\nfrom nndl.conv_layers import *",
        "import numpy as np\nfrom cs682.layers import *",
    ]
    with pytest.raises(LoadError) as info:
        load(write_notebook(tmp_path / "CNN.ipynb", cells), tmp_path / "scratch")
    assert str(info.value).startswith(
        "CNN.ipynb: the notebook imports its code from cs682/layers.py, nndl/conv_layers.py, "
        "cs682/classifiers/cnn.py, which were not uploaded; "
    )


def test_notebook_with_part_of_the_code_says_what_is_missing_once(tmp_path: Path):
    relu = "def relu_forward(x):\n    return np.maximum(x, 0), x\n"
    path = write_notebook(
        tmp_path / "nb.ipynb",
        ["import numpy as np\nfrom cs231n.layers import *\nfrom cs231n.classifiers.cnn import *", relu],
    )
    bundle = load(path, tmp_path / "scratch")
    (finding,) = [f for f in bundle.manifest.findings if f.kind == "notebook.package_missing"]
    assert finding.file == "nb.ipynb"
    assert finding.message.startswith(
        "the notebook imports its code from cs231n/layers.py, cs231n/classifiers/cnn.py, which were "
        "not uploaded: affine_forward, "
    )
    assert bundle.manifest.symbols["relu_forward"] is not None


def test_repository_with_a_symlinked_package_inside_it(tmp_path: Path):
    repo = tmp_path / "repo"
    shutil.copytree(SUBMISSIONS / "course_2019" / "cs231n", repo / "cs231n")
    (repo / "assignment2").mkdir()
    shutil.copy(
        SUBMISSIONS / "course_2022_notebook_only" / "ConvolutionalNetworks.ipynb", repo / "assignment2"
    )
    (repo / "assignment2" / "cs231n").symlink_to("../cs231n", target_is_directory=True)
    (repo / "assignment2" / "answers.py").symlink_to(tmp_path / "elsewhere.py")  # outside: skipped
    (tmp_path / "elsewhere.py").write_text("def affine_forward(x, w, b):\n    return 0\n")
    # Given only assignment2/, the link leads outside it and is not followed: a bare notebook.
    with pytest.raises(LoadError, match="which were not uploaded"):
        load(repo / "assignment2", tmp_path / "scratch")
    # An assignment1 package beside it, as in a whole course repository: not the one to grade.
    shutil.copytree(SUBMISSIONS / "partial", repo / "assignment1" / "cs231n")
    bundle = load(repo, tmp_path / "scratch")  # the whole repository given: the link stays inside
    assert None not in bundle.manifest.symbols.values()
    assert bundle.manifest.symbols["affine_forward"].file == "cs231n/layers.py"
    assert [(f.kind, f.file) for f in bundle.manifest.findings] == [
        ("symlink_skipped", "assignment2/answers.py"),
        ("course_folder", "."),
    ]
    # cnn.py's absolute `from cs231n.layers import *` works: the package sits at the top.
    got = exercise_bundle(bundle, make_inputs(), tmp_path, only={"ThreeLayerConvNet", "affine_forward"})
    assert got


@pytest.mark.slow
def test_a_2017_notebook_with_float_sizes_gets_full_public_marks_and_a_note_per_cell(tmp_path: Path):
    from grader.judge.rubric import load_rubric
    from grader.run.grade import GradeOptions, grade_submission

    rubric = load_rubric(Path("rubrics/convnet.toml"))
    quick = rubric.part({c.id for c in rubric.checks if c.kind not in ("train", "fast_speedup")})
    report = grade_submission(SUBMISSIONS / "course_2017_float_sizes", quick, GradeOptions(secret=None))
    public = [c for c in report.checks if c.visibility == "public"]
    assert public and all(c.status == "passed" for c in public), [(c.id, c.message) for c in public]
    notes = [f for f in report.findings if f.kind == "old_numpy.float_size"]
    assert [(f.file, f.message.split(":")[0]) for f in notes] == [
        ("ConvolutionalNetworks.ipynb", "cell 11"),
        ("ConvolutionalNetworks.ipynb", "cell 19"),
    ]
    assert all("relied on numpy < 1.12" in f.message for f in notes)
