"""Notebooks: definitions only by default, IPython syntax never executed, bad cells skipped."""

from __future__ import annotations

from pathlib import Path

import nbformat
from loader_support import run_in_root, write_notebook

from grader.load.submission import Kind, load


def markers(tmp_path: Path) -> dict[str, Path]:
    return {
        name: tmp_path / f"marker_{name}" for name in ("bang", "line_magic", "ipython", "bash", "training")
    }


def side_effect_notebook(tmp_path: Path) -> Path:
    m = markers(tmp_path)
    return write_notebook(
        tmp_path / "effects.ipynb",
        [
            "import numpy as np\nimport os",
            f"!touch {m['bang']}",
            f"%system touch {m['line_magic']}\nlisting = !ls",
            f"get_ipython().system('touch {m['ipython']}')",
            f"%%bash\ntouch {m['bash']}",
            "LEARNING_RATE = 1e-3\nCLASSES = ('cat', 'dog')\nweights = np.zeros(3)",
            "np.maximum?\ndef relu_forward(x):\n    y = np.maximum(x, 0)\n# is this right?\n    return y, x",
            f"open({str(m['training'])!r}, 'w').close()\nprint('trained')",
        ],
    )


def test_definitions_only_and_ipython_syntax_never_runs(tmp_path: Path, scratch: Path):
    bundle = load(side_effect_notebook(tmp_path), scratch)
    assert bundle.kind == Kind.notebook
    code = (
        "import submission_nb as nb\n"
        "print(nb.relu_forward(nb.np.array([-1.0, 2.0]))[0].tolist(), nb.LEARNING_RATE, nb.CLASSES,"
        " hasattr(nb, 'weights'), hasattr(nb, 'listing'))"
    )
    done = run_in_root(bundle.root, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "[0.0, 2.0] 0.001 ('cat', 'dog') False False"
    assert [name for name, path in markers(tmp_path).items() if path.exists()] == []
    kinds = sorted(f.kind for f in bundle.manifest.findings)
    assert kinds == ["notebook.cell_magic", "notebook.ipython"]


def test_run_notebook_replays_code_but_never_ipython_syntax(tmp_path: Path, scratch: Path):
    bundle = load(side_effect_notebook(tmp_path), scratch, run_notebook=True)
    done = run_in_root(bundle.root, "import submission_nb as nb; print(nb.weights.shape)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["trained", "(3,)"]
    assert [name for name, path in markers(tmp_path).items() if path.exists()] == ["training"]


def test_cell_that_fails_to_parse_is_reported_and_skipped(tmp_path: Path, scratch: Path):
    path = write_notebook(
        tmp_path / "nb.ipynb",
        [
            ("markdown", "intro"),
            "def relu_forward(x):\n    return x * (x > 0), x",
            "def affine_forward(x, w, b):\n    out = x @ w + b\n    return out, (x, w, b",
            "def softmax_loss(x, y):\n    return 0.0, x",
        ],
    )
    bundle = load(path, scratch)
    (finding,) = bundle.manifest.findings
    assert (finding.kind, finding.file, finding.line) == ("notebook.syntax_error", "nb.ipynb", 3)
    assert finding.message.startswith("cell 3, line 3:")
    symbols = bundle.manifest.symbols
    assert symbols["affine_forward"] is None
    assert (symbols["relu_forward"].cell, symbols["softmax_loss"].cell) == (2, 4)
    assert run_in_root(bundle.root, "import submission_nb").returncode == 0


def test_unavailable_imports_are_dropped_and_future_imports_hoisted(tmp_path: Path, scratch: Path):
    path = write_notebook(
        tmp_path / "nb.ipynb",
        [
            "import numpy as np",
            "from google.colab import drive\ndrive.mount('/content/drive')",
            "from __future__ import annotations\nimport os, cs231n.solver\nfrom .helpers import thing",
            "def relu_forward(x: 'array'):\n    return np.maximum(x, 0), x",
        ],
    )
    bundle = load(path, scratch)
    messages = [f.message for f in bundle.manifest.findings]
    assert any("not 'google'" in m for m in messages)
    assert any("dropped `import cs231n.solver`" in m for m in messages)
    assert any("relative import" in m for m in messages)
    assert (
        run_in_root(bundle.root, "import submission_nb, os; print(submission_nb.os is os)").stdout.strip()
        == "True"
    )


def test_duplicate_definitions_last_one_wins(tmp_path: Path, scratch: Path):
    path = write_notebook(
        tmp_path / "nb.ipynb",
        [
            "def relu_forward(x):\n    return 'first'",
            "print(relu_forward(1))",
            "def relu_forward(x):\n    return 'second'",
        ],
    )
    bundle = load(path, scratch)
    assert bundle.manifest.symbols["relu_forward"].cell == 3
    (dup,) = bundle.manifest.findings
    assert dup.kind == "duplicate" and "cells 1, 3" in dup.message
    done = run_in_root(bundle.root, "import submission_nb; print(submission_nb.relu_forward(0))")
    assert done.stdout.strip() == "second"


def test_old_v3_notebook_is_upgraded(tmp_path: Path, scratch: Path):
    v3 = nbformat.v3
    cell = v3.new_code_cell(input="def relu_forward(x):\n    return x, x")
    nb = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[cell])])
    (tmp_path / "old.ipynb").write_text(v3.writes_json(nb), encoding="utf-8")
    bundle = load(tmp_path / "old.ipynb", scratch)
    assert bundle.manifest.symbols["relu_forward"].cell == 1
