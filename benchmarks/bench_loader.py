"""Loading speed: a 5 MB notebook with 300 cells, next to the cost of just parsing it.

A worked notebook is mostly outputs (printed results, base64 plots); the loader parses the
JSON, walks 300 code cells, parses each with ``ast`` and writes one module. Run with

    .venv/bin/python -m pytest benchmarks/bench_loader.py --benchmark-only --benchmark-columns=median,iqr

Each benchmark loads into a fresh scratch directory every round (the loader replaces the tree).
"""

from __future__ import annotations

import base64
import random
import shutil
from pathlib import Path

import nbformat
import pytest

from grader.load.submission import load

REPO = Path(__file__).resolve().parents[1]
TARGET_BYTES = 5 * 1024 * 1024
CELLS = 300


def _definition_cell(i: int) -> str:
    return (
        f"def layer_{i}_forward(x, w, b, conv_param):\n"
        "    stride, pad = conv_param['stride'], conv_param['pad']\n"
        "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
        "    N, C, H, W = x.shape\n"
        "    F, _, HH, WW = w.shape\n"
        "    out = np.zeros((N, F, 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride))\n"
        "    for n in range(N):\n"
        "        for f in range(F):\n"
        "            out[n, f] = np.sum(xp[n] * w[f]) + b[f]\n"
        "    return out, (x, w, b, conv_param)\n"
    )


def _test_cell(i: int) -> str:
    return (
        f"x = np.random.randn(2, 3, 8, 8)\nw = np.random.randn(4, 3, 3, 3)\n"
        f"out, _ = layer_{i}_forward(x, w, np.zeros(4), {{'stride': 1, 'pad': 1}})\n"
        "print('difference: ', rel_error(out, out))\nplt.imshow(out[0, 0])\nplt.show()\n"
    )


def big_notebook(path: Path) -> Path:
    """CELLS code cells (definitions alternating with test cells that print and plot), plus markdown,
    padded with PNG-like outputs to TARGET_BYTES."""
    rng = random.Random(0)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline")
    )
    for i in range(1, CELLS):
        if i % 2:
            nb.cells.append(nbformat.v4.new_code_cell(_definition_cell(i)))
        else:
            nb.cells.append(nbformat.v4.new_markdown_cell(f"## Step {i}\nCheck the layer above."))
            nb.cells.append(nbformat.v4.new_code_cell(_test_cell(i - 1), execution_count=i))
    plots = [c for c in nb.cells if c.cell_type == "code" and "plt.show" in c.source]
    size = len(nbformat.writes(nb))
    per_plot = (TARGET_BYTES - size) * 3 // 4 // len(plots)
    for cell in plots:
        png = base64.b64encode(rng.randbytes(per_plot)).decode()
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text="difference:  0.0\n"),
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def notebook(tmp_path_factory) -> Path:
    path = big_notebook(tmp_path_factory.mktemp("nb") / "big.ipynb")
    assert abs(path.stat().st_size - TARGET_BYTES) < TARGET_BYTES * 0.05
    assert sum(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells) == CELLS
    return path


def _fresh(tmp_path: Path):
    counter = iter(range(10**6))

    def scratch() -> Path:
        path = tmp_path / f"s{next(counter)}"
        shutil.rmtree(path, ignore_errors=True)
        return path

    return scratch


def test_load_5mb_notebook(benchmark, notebook: Path, tmp_path: Path):
    scratch = _fresh(tmp_path)
    bundle = benchmark(lambda: load(notebook, scratch()))
    assert bundle.kind == "notebook"
    assert sum(1 for name in bundle.manifest.symbols if bundle.manifest.symbols[name] is None) == 14


def test_yardstick_nbformat_read_only(benchmark, notebook: Path):
    """What parsing the JSON alone costs, for the ratio."""
    nb = benchmark(lambda: nbformat.reads(notebook.read_text(encoding="utf-8"), as_version=4))
    assert len(nb.cells) > CELLS


def test_load_correct_package(benchmark, tmp_path: Path):
    scratch = _fresh(tmp_path)
    bundle = benchmark(lambda: load(REPO / "submissions" / "correct_package", scratch()))
    assert bundle.kind == "package"
