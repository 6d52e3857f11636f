"""The student kit for real: built by `cnngrade release --kit`, unpacked and searched for the
answer key, installed with pip into a fresh venv, and run on the bundled examples, where its
public verdicts must equal the full grader's."""

import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from classroom import SUBMISSIONS, lean_rubric

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ANSWER_KEY = [ROOT / "reference" / name for name in ("layers.py", "layer_utils.py", "cnn.py")]
HANDED_OUT = [ROOT / "reference" / f"{m}.py" for m in ("fast_layers", "optim", "solver", "gradient_check")]
# Public checks whose kit verdict is allowed to differ, and why (docs/kits.md).
DIFFERENT = {"fast_layers.speedup": "the kit has no reference naive layer to time against"}
# On the notebook's case the stride equals the pool size: only the hidden checks can see this bug.
HIDDEN_ONLY = {"buggy/max_pool_stride_ignored"}
EXAMPLES = [
    "correct_module",
    "correct_package",
    "correct_notebook",
    "buggy/conv_no_padding",
    "buggy/conv_flipped_kernel",
    "buggy/conv_dx_not_cropped",
    "buggy/conv_dw_db_not_summed",
    "buggy/max_pool_grad_to_all",
    "buggy/max_pool_stride_ignored",
    "buggy/model_relu_missing",
    "buggy/reg_without_half",
    "buggy/pool_missing_in_hidden_size",
]


def run(*command: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kit")
    done = run(sys.executable, "-m", "grader.cli", "release", "--kit", out)
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
    assert "reference/demo.py" not in sources and "grader/checks/expected.py" in sources
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


def test_the_kit_is_small(kit):
    assert kit.stat().st_size <= 2_000_000


def _public_verdicts(cnngrade: Path | list, path: Path, rubric: Path, cache: Path) -> dict[str, tuple]:
    command = cnngrade if isinstance(cnngrade, list) else [cnngrade]
    done = run(*command, "check", path, "--rubric", rubric, "--json", env={"CNNGRADE_CACHE": str(cache)})
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    return {
        c["id"]: (c["status"], c["points"], c["hint"])
        for c in report["checks"]
        if c["visibility"] == "public" and c["id"] not in DIFFERENT
    }


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_kit_gives_the_full_graders_public_verdicts(example, kit_venv, tmp_path_factory):
    rubric = lean_rubric(tmp_path_factory.mktemp("rubric") / "lean.toml")
    path = SUBMISSIONS / example
    notebook = path / "ConvolutionalNetworks.ipynb"
    path = notebook if notebook.exists() else path
    cache = tmp_path_factory.getbasetemp() / "cache"
    kit = _public_verdicts(kit_venv / "bin" / "cnngrade", path, rubric, cache)
    full = _public_verdicts([sys.executable, "-m", "grader.cli"], path, rubric, cache)
    assert kit == full
    if example.startswith("buggy") and example not in HIDDEN_ONLY:
        assert any(status != "passed" for status, _, _ in kit.values())


def test_the_kit_trains_and_judges_like_the_full_grader(kit_venv, tmp_path_factory):
    """The whole default rubric (training included) on the correct notebook."""
    notebook = SUBMISSIONS / "correct_notebook" / "ConvolutionalNetworks.ipynb"
    rubric = ROOT / "rubrics" / "convnet.toml"
    cache = tmp_path_factory.getbasetemp() / "cache"
    kit = _public_verdicts(kit_venv / "bin" / "cnngrade", notebook, rubric, cache)
    assert kit == _public_verdicts([sys.executable, "-m", "grader.cli"], notebook, rubric, cache)
    assert kit["overfit"][0] == "passed"


def test_the_kit_never_runs_hidden_checks(kit_venv, tmp_path):
    module = SUBMISSIONS / "correct_module"
    rubric = lean_rubric(tmp_path / "lean.toml")
    done = run(kit_venv / "bin" / "cnngrade", "check", module, "--rubric", rubric, "--secret", "s", "--json")
    report = json.loads(done.stdout)
    hidden = [c for c in report["checks"] if c["visibility"] == "hidden"]
    assert hidden and all(c["status"] == "skipped" for c in hidden)
    assert done.returncode == 0
