"""The student kit for real: built by `cnngrade release --kit`, unpacked and searched for the
answer key, installed with pip into a fresh venv, and run on the bundled examples, where its
public verdicts must equal the full grader's (docs/kits.md lists the differences)."""

import ast
import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from classroom import SUBMISSIONS, lean_rubric

from grader.judge.rubric_catalog import DEFAULT_ID, load_built_in
from grader.release.kit import strip_yardsticks

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ANSWER_KEY = [ROOT / "reference" / name for name in ("layers.py", "layer_utils.py", "cnn.py")]
HANDED_OUT = [ROOT / "reference" / f"{m}.py" for m in ("fast_layers", "optim", "solver", "gradient_check")]
# Public checks the kit judges differently, and why (docs/kits.md, "What the kit checks differently").
DIFFERENT = {"fast_layers.speedup": "the kit has no reference naive layer to time against"}
# Bugs only hidden checks can see: on the notebook's case the stride equals the pool size, and its
# gradient check runs without regularization.
HIDDEN_ONLY = {"buggy/max_pool_stride_ignored", "buggy/reg_missing_from_grads", "buggy/reg_grad_scalar"}
# Every bundled example but the hostile ones that attack the sandbox (the kit runs the same sandbox
# code; tests/sandbox covers it): those that send back wrong values are here.
EXAMPLES = sorted(
    [
        "correct_module",
        "correct_package",
        "correct_notebook",
        "course_2017",
        "course_2019",
        "course_2022_notebook_only",
        "course_2016_python2",
        "partial",
        "syntax_error",
        *(f"buggy/{p.name}" for p in (SUBMISSIONS / "buggy").iterdir()),
        *(f"hostile/forgery/{p.name}" for p in (SUBMISSIONS / "hostile" / "forgery").glob("*.py")),
        *(f"hostile/{name}.py" for name in ("returns_none", "wrong_shape", "wrong_type", "nan_result")),
    ]
)


def run(*command: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def cache(shared_cache) -> Path:
    return shared_cache


@pytest.fixture(scope="module")
def kit(tmp_path_factory, cache) -> Path:
    out = tmp_path_factory.mktemp("kit")
    done = run(
        sys.executable, "-m", "grader.cli", "release", "--kit", out, env={"CNNGRADE_CACHE": str(cache)}
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("cnngrade_kit-*.whl")
    return wheel


@pytest.fixture(scope="module")
def kit_venv(kit, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "kit"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    done = run(venv / "bin" / "pip", "install", "--quiet", kit)
    assert done.returncode == 0, done.stderr[-2000:]
    return venv


def _bodies(source: str) -> set[str]:
    """Every function's body (docstring left out) as an AST dump."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) else node.body
            if body:
                found.add(ast.dump(ast.Module(body=body, type_ignores=[])))
    return found


def test_the_kit_holds_no_answer_key_code(kit):
    answers = set().union(*(_bodies(path.read_text()) for path in ANSWER_KEY))
    # What the course hands out anyway (conv_output_size's formula is in fast_layers.py) is no answer.
    answers -= set().union(*(_bodies(path.read_text()) for path in HANDED_OUT))
    assert len(answers) > 15
    with zipfile.ZipFile(kit) as archive:
        sources = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".py")}
    assert "reference/demo.py" not in sources and "grader/judge/expected.py" in sources
    for name, source in sources.items():
        assert not _bodies(source) & answers, f"{name} holds a function of the answer key"
    for name in ("reference/layers.py", "reference/layer_utils.py", "reference/cnn.py"):
        tree = ast.parse(sources[name])
        assert "numpy" not in sources[name]
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert "loss" not in defined
    assert {"conv_forward_naive", "max_pool_backward_naive"} <= {
        n.name for n in ast.walk(ast.parse(sources["reference/layers.py"])) if isinstance(n, ast.FunctionDef)
    }
    # The yardsticks (answer-key code run on the grader's inputs) keep only their docstrings.
    stripped = []
    for name in ("grader/judge/expected.py", "grader/judge/diagnose.py"):
        for node in ast.walk(ast.parse(sources[name])):
            if isinstance(node, ast.FunctionDef) and any(
                "yardstick" in ast.unparse(d) for d in node.decorator_list
            ):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                assert [type(statement) for statement in body] == [ast.Raise], node.name
                stripped.append(node.name)
    assert {"relu_missing_loss", "model_loss", "conv_naive", "_pool_by_size"} <= set(stripped)


def test_the_kit_holds_the_rubric_it_was_released_with_and_names_it(kit_venv, cache):
    listed = run(kit_venv / "bin" / "cnngrade", "rubrics", "--json")
    assert listed.returncode == 0, listed.stderr
    (rubric,) = json.loads(listed.stdout)["rubrics"]  # the default release: the default built-in
    shipped = load_built_in(DEFAULT_ID)
    assert (rubric["id"], rubric["default"], rubric["sha256"]) == (DEFAULT_ID, True, shipped.sha256)
    module = SUBMISSIONS / "correct_module" / "convnet_hw.py"
    env = {"CNNGRADE_CACHE": str(cache)}
    done = run(kit_venv / "bin" / "cnngrade", "check", module, "-k", "conv_forward.public", env=env)
    assert done.returncode == 0, done.stderr
    assert f"rubric {DEFAULT_ID} ({shipped.title})" in " ".join(done.stdout.split())


def test_strip_yardsticks_keeps_signatures_and_docstrings():
    source = (
        '@yardstick()\ndef f(x):\n    """Doc."""\n    y = x + 1\n    return y\n\n\ndef g(x):\n    return x\n'
    )
    stripped = strip_yardsticks(source)
    tree = ast.parse(stripped)
    f, g = tree.body
    assert ast.get_docstring(f) == "Doc." and isinstance(f.body[1], ast.Raise) and len(f.body) == 2
    assert ast.unparse(g) == "def g(x):\n    return x"


def test_the_kit_is_small(kit):
    assert kit.stat().st_size <= 2_000_000


def _public_verdicts(cnngrade: Path | list, path: Path, rubric: Path, cache: Path) -> dict[str, tuple]:
    command = cnngrade if isinstance(cnngrade, list) else [cnngrade]
    done = run(*command, "check", path, "--rubric", rubric, "--json", env={"CNNGRADE_CACHE": str(cache)})
    if done.returncode == 2:  # the submission cannot be graded: the one-line error is the verdict
        return {"error": (done.stderr.strip().splitlines()[-1],)}
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    return {
        c["id"]: (c["status"], c["points"], c["hint"])
        for c in report["checks"]
        if c["visibility"] == "public" and c["id"] not in DIFFERENT
    }


def kit_and_full_verdicts(kit_venv: Path, path: Path, rubric: Path, cache: Path) -> tuple[dict, dict]:
    """The kit's and the full grader's public verdicts on `path`, the two checks run at once: each
    spends much of its time starting processes and waiting on its sandbox worker."""
    with ThreadPoolExecutor(2) as pool:
        kit = pool.submit(_public_verdicts, kit_venv / "bin" / "cnngrade", path, rubric, cache)
        full = pool.submit(_public_verdicts, [sys.executable, "-m", "grader.cli"], path, rubric, cache)
        return kit.result(), full.result()


def _submission(example: str) -> Path:
    path = SUBMISSIONS / example
    notebooks = sorted(path.glob("*.ipynb")) if path.is_dir() else []
    return notebooks[0] if notebooks else path


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_kit_gives_the_full_graders_public_verdicts(example, kit_venv, cache, tmp_path):
    rubric = lean_rubric(tmp_path / "lean.toml")
    path = _submission(example)
    kit, full = kit_and_full_verdicts(kit_venv, path, rubric, cache)
    assert kit == full
    if example.startswith("buggy") and example not in HIDDEN_ONLY:
        assert any(verdict[0] != "passed" for verdict in kit.values())


def test_the_kit_trains_and_judges_like_the_full_grader(kit_venv, cache):
    """The whole default rubric (training included) on the correct notebook."""
    notebook = SUBMISSIONS / "correct_notebook" / "ConvolutionalNetworks.ipynb"
    rubric = ROOT / "rubrics" / "convnet.toml"
    kit, full = kit_and_full_verdicts(kit_venv, notebook, rubric, cache)
    assert kit == full
    assert kit["overfit"][0] == "passed"
    assert all(status == "passed" for status, _, _ in kit.values())


def test_the_kit_never_runs_hidden_checks_and_cannot_grade(kit_venv, tmp_path, cache):
    module = SUBMISSIONS / "correct_module"
    rubric = lean_rubric(tmp_path / "lean.toml")
    cnngrade = kit_venv / "bin" / "cnngrade"
    env = {"CNNGRADE_CACHE": str(cache)}
    done = run(cnngrade, "check", module, "--rubric", rubric, "--secret", "s", "--json", env=env)
    report = json.loads(done.stdout)
    hidden = [c for c in report["checks"] if c["visibility"] == "hidden"]
    assert hidden and all(c["status"] == "skipped" for c in hidden)
    assert done.returncode == 0
    graded = run(cnngrade, "grade", module, "--out", tmp_path / "out", "--secret", "s", env=env)
    assert graded.returncode == 2
    assert graded.stderr.strip().splitlines() == [
        "cnngrade: error: this is the student kit: it has no answer key, so it cannot grade "
        "(`cnngrade check FILE` checks a submission)"
    ]
    assert not (tmp_path / "out").exists()
    released = run(cnngrade, "release", "--kit", tmp_path / "kit2", env=env)
    assert released.returncode == 2 and "instructor's checkout" in released.stderr


NOTEBOOK_IN_THE_KIT = """
import sys, nbformat
from nbclient import NotebookClient
cells = [sys.argv[1], 'from cnngrade import notebook_check\\nnotebook_check("conv_forward")']
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
print(notebook.cells[-1].outputs[0]["data"]["text/plain"])
"""


def test_notebook_check_works_in_the_kit(kit_venv, cache):
    """A real kernel from the kit's venv (nbclient and ipykernel added, as a student's Jupyter has)."""
    done = run(kit_venv / "bin" / "pip", "install", "--quiet", "nbclient", "ipykernel")
    assert done.returncode == 0, done.stderr[-2000:]
    source = (SUBMISSIONS / "buggy" / "conv_no_padding" / "convnet_hw.py").read_text()
    tree = ast.parse(source)
    (layer,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "conv_forward_naive"]
    cell = "import numpy as np\n" + ast.get_source_segment(source, layer)
    env = {"CNNGRADE_CACHE": str(cache)}
    done = run(kit_venv / "bin" / "python", "-c", NOTEBOOK_IN_THE_KIT, cell, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("conv_forward.public: failed (0/3 points)")
    assert "hint: conv forward: the input looks unpadded" in done.stdout


def test_a_rubric_the_kit_was_not_built_for_skips_what_it_cannot_judge(kit_venv, cache, tmp_path):
    """A changed public check asks about inputs the kit holds no answers for: that check is
    skipped with the reason, the others run as usual, and nothing crashes."""
    rubric = lean_rubric(tmp_path / "lean.toml")
    text = rubric.read_text()
    assert "params = { reg = 0.5 }" in text
    rubric.write_text(text.replace("params = { reg = 0.5 }", "params = { reg = 0.25 }"))
    done = run(
        kit_venv / "bin" / "cnngrade",
        "check",
        SUBMISSIONS / "correct_module",
        "--rubric",
        rubric,
        "--json",
        env={"CNNGRADE_CACHE": str(cache)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    checks = {c["id"]: c for c in json.loads(done.stdout)["checks"]}
    changed = checks.pop("initial_loss.reg")
    assert changed["status"] == "skipped" and changed["max_points"] == 0
    assert "built for another rubric" in changed["message"]
    public = [c for c in checks.values() if c["visibility"] == "public" and c["id"] not in DIFFERENT]
    assert public and all(c["status"] == "passed" for c in public)
