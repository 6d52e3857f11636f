"""The real autograder zip, unpacked into a fake /autograder tree: setup.sh installs it, and
run_autograder grades correct, buggy, crashing and empty uploads into valid results.json."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest
from classroom import SUBMISSIONS, lean_rubric
from test_export_gradescope import GRADESCOPE_RESULTS

from grader.judge.rubric import load_rubric
from grader.release.autograder import NoSubmissionError, pick_submission

pytestmark = pytest.mark.slow
BASH = shutil.which("bash") or "/bin/bash"
ROOT = Path(__file__).resolve().parents[2]


def cnngrade(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    """A fake /autograder: the zip unpacked into source/, then setup.sh run as Gradescope runs it."""
    tmp = tmp_path_factory.mktemp("gradescope")
    (tmp / "secret.txt").write_text("course-secret\n")
    rubric = lean_rubric(tmp / "lean.toml")
    out = cnngrade(
        "release", "--gradescope", tmp / "ag.zip", "--secret-file", tmp / "secret.txt", "--rubric", rubric
    )
    assert out.returncode == 0, out.stderr
    root = tmp / "autograder"
    with zipfile.ZipFile(tmp / "ag.zip") as archive:
        archive.extractall(root / "source")
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert modes["run_autograder"] == modes["setup.sh"] == 0o755 and modes["secret"] == 0o600
    for name in ("setup.sh", "run_autograder"):  # extractall drops the modes: Gradescope keeps them
        (root / "source" / name).chmod(0o755)
    env = {**os.environ, "CNNGRADE_AUTOGRADER_ROOT": str(root), "CNNGRADE_PYTHON": sys.executable}
    done = subprocess.run(
        [BASH, root / "source" / "setup.sh"], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def run_upload(root: Path, files: dict[str, Path | str], *, path: str | None = None) -> dict:
    """Upload `files` (name in the upload -> source file/folder or text) and run run_autograder."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for name, what in files.items():
        target = submission / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(what, str):
            target.write_text(what)
        elif what.is_dir():
            shutil.copytree(what, target)
        else:
            shutil.copy(what, target)
    env = {**os.environ, "CNNGRADE_AUTOGRADER_ROOT": str(root)}  # its cache is the tree's own
    if path is not None:
        env["PATH"] = path
    done = subprocess.run(
        [BASH, root / "source" / "run_autograder"], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, GRADESCOPE_RESULTS)
    return data


def test_a_correct_package_among_other_files_gets_every_point(autograder):
    upload = {"assignment2": SUBMISSIONS / "correct_package", "notes.ipynb": "{}", "README.txt": "hi"}
    data = run_upload(autograder, upload)
    assert data["output"].startswith("Graded: .\n")
    title = load_rubric(autograder / "source" / "rubric.toml").title
    assert f"Rubric: convnet ({title})" in data["output"].splitlines()  # the student sees what graded them
    assert data["tests"] and data["score"] == sum(t["max_score"] for t in data["tests"]) > 0
    hidden = [t for t in data["tests"] if t["visibility"] == "after_published"]
    assert hidden and all(t["status"] == "passed" for t in hidden)  # the secret reached the hidden checks


def test_a_renamed_package_beside_the_course_notebook_is_graded_with_it(autograder, tmp_path):
    # UMass's cs682/ and a notebook that only imports from it: grading the notebook alone gave 0.
    notebook = tmp_path / "ConvolutionalNetworks.ipynb"
    cells = ["from cs682.layers import *", "from cs682.classifiers.cnn import ThreeLayerConvNet"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), notebook)
    data = run_upload(autograder, {"cs682": SUBMISSIONS / "ports" / "cs682", notebook.name: notebook})
    assert data["output"].startswith("Graded: .\n")
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0


def test_the_course_notebook_is_preferred_to_other_notebooks(autograder):
    notebook = SUBMISSIONS / "correct_notebook" / "ConvolutionalNetworks.ipynb"
    upload = {"ConvolutionalNetworks.ipynb": notebook, "BatchNormalization.ipynb": "{}", "old/x.py": "x = 1"}
    data = run_upload(autograder, upload)
    assert data["output"].startswith("Graded: ConvolutionalNetworks.ipynb\n")
    assert data["score"] == sum(t["max_score"] for t in data["tests"])


def test_a_buggy_upload_loses_points_with_a_hint(autograder):
    data = run_upload(autograder, {"convnet_hw.py": SUBMISSIONS / "buggy/conv_no_padding/convnet_hw.py"})
    failed = {t["name"]: t for t in data["tests"] if t["status"] == "failed"}
    assert 0 < data["score"] < sum(t["max_score"] for t in data["tests"])
    (conv,) = [t for name, t in failed.items() if "(conv_forward.public)" in name]
    assert "unpadded" in conv["output"]


def test_an_upload_that_kills_its_worker_is_graded_zero_not_crashed(autograder):
    crash = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\ndef conv_forward_naive(*a):\n    pass\n"
    data = run_upload(autograder, {"layers.py": crash})
    assert data["score"] == 0 and data["tests"]
    assert all(t["status"] == "failed" for t in data["tests"])


def test_an_empty_upload_gets_a_valid_zero_and_a_reason(autograder):
    data = run_upload(autograder, {".DS_Store": "junk"})
    assert data["score"] == 0 and data["tests"] == []
    assert data["output"].startswith("Not graded: the upload is empty")


def test_a_sandbox_below_the_minimum_is_refused_with_a_valid_zero(autograder, tmp_path):
    bare = tmp_path / "bin"  # no bwrap, unshare or setpriv on PATH: only the plain-process level
    bare.mkdir()
    for tool in ("mkdir", "rm"):
        (bare / tool).symlink_to(shutil.which(tool))
    data = run_upload(
        autograder, {"convnet_hw.py": SUBMISSIONS / "correct_module/convnet_hw.py"}, path=str(bare)
    )
    assert data["score"] == 0
    assert (
        "sandbox is too weak" in data["output"]
        and "'process' is below the required 'unshare'" in data["output"]
    )


def test_a_grader_crash_still_writes_valid_results_with_the_reason(autograder):
    rubric = autograder / "source" / "rubric.toml"
    saved = rubric.read_text()
    rubric.write_text("this is [not toml")
    try:
        data = run_upload(autograder, {"convnet_hw.py": SUBMISSIONS / "correct_module/convnet_hw.py"})
    finally:
        rubric.write_text(saved)
    assert data["score"] == 0 and data["output"].startswith("The autograder crashed")
    assert "RubricError" in data["output"]


def test_an_image_without_the_grader_still_writes_valid_results(autograder):
    venv = autograder / "cnngrade-venv"
    venv.rename(venv.with_name("moved"))
    try:
        data = run_upload(autograder, {"convnet_hw.py": "x = 1"})
    finally:
        venv.with_name("moved").rename(venv)
    assert data["score"] == 0 and "could not start" in data["output"]


@pytest.mark.parametrize(
    ("files", "picked"),
    [
        (
            ["a/ConvolutionalNetworks.ipynb", "ConvolutionalNetworks.ipynb", "x.py"],
            "ConvolutionalNetworks.ipynb",
        ),
        (["repo/cs231n/layers.py", "other.ipynb"], "."),
        # A port's package beside the course notebook: both are graded, as `cnngrade check` does.
        (["cs682/layers.py", "cs682/__init__.py", "ConvolutionalNetworks.ipynb"], "."),
        (["nndl/conv_layers.py", "CNN.ipynb", "CNN-Layers.ipynb"], "."),
        (["mine.py", "notes.txt"], "mine.py"),
        (["b.ipynb", "a.ipynb"], "."),
    ],
)
def test_which_file_of_an_upload_is_graded(tmp_path, files, picked):
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert pick_submission(tmp_path).relative_to(tmp_path) == Path(picked)


def test_an_upload_of_hidden_files_only_is_empty(tmp_path):
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._x.py").write_text("")
    with pytest.raises(NoSubmissionError, match="empty"):
        pick_submission(tmp_path)


def test_the_image_build_warms_the_training_cache(tmp_path, monkeypatch):
    """setup.sh's `--warm-up`: the data and the reference's training runs over seeds (the
    thresholds' distribution) end up in the image."""
    from grader.release.autograder import main

    head, *blocks = (ROOT / "rubrics" / "convnet.toml").read_text().split("[[checks]]")
    source = tmp_path / "source"
    source.mkdir()
    (source / "rubric.toml").write_text(
        head + "".join("[[checks]]" + b for b in blocks if 'id = "overfit"' in b)
    )
    (source / "secret").write_text("s\n")
    (source / "cnngrade.json").write_text(json.dumps({"rubric": "rubric.toml", "min_isolation": "process"}))
    monkeypatch.setenv("CNNGRADE_AUTOGRADER_ROOT", str(tmp_path))
    assert main(["--warm-up"]) == 0
    (record,) = (tmp_path / "cnngrade-cache" / "reference_runs").glob("*.json")
    runs = json.loads(record.read_text())["runs"]
    (overfit,) = (c for c in load_rubric(source / "rubric.toml").checks if c.id == "overfit")
    assert len(runs) == overfit.params.reference_runs > 1
    assert all(run["train_acc"] > 0.5 for run in runs)
    assert not (tmp_path / "results").exists()  # warming up grades nothing
