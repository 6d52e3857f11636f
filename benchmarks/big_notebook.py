"""The grading process's cost of a ~95 MB notebook: wall time and peak memory of `load`.

The loader runs in the grader's own process (outside any sandbox), so what a notebook costs it
to read is the grader's cost. Three notebooks near the 100 MB upload cap, each loaded in a fresh
Python process, next to `nbformat.reads` of the same file (what loading cost before outputs were
dropped ahead of validation):

- `outputs`: the assignment's code, then 2,000 code cells each with a 48 kB base64 plot;
- `cells`: the same code, then 4,900 markdown cells of 19 kB (just under the cell cap);
- `over_cap`: 200,000 small cells (refused on the cell count, after the JSON is read).

    .venv/bin/python benchmarks/big_notebook.py
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = (ROOT / "submissions" / "correct_module" / "convnet_hw.py").read_text(encoding="utf-8")

LOAD = """
import sys, tempfile, time
from pathlib import Path
from grader.load.submission import LoadError, load
start = time.perf_counter()
try:
    load(Path(sys.argv[1]), Path(tempfile.mkdtemp()))
    outcome = "loaded"
except LoadError as exc:
    outcome = f"LoadError: {str(exc)[-60:]}"
print(f"{time.perf_counter() - start:.1f} s  {outcome}")
"""
# VmHWM, not getrusage: ru_maxrss survives exec, so a child would report this script's own peak.
PEAK = """
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"; peak RSS {int(hwm.split()[1]) / 1024:.0f} MB")
"""
NBFORMAT = """
import sys, time, warnings
import nbformat
warnings.simplefilter("ignore")
start = time.perf_counter()
nbformat.reads(open(sys.argv[1], encoding="utf-8").read(), as_version=4, capture_validation_error={})
print(f"{time.perf_counter() - start:.1f} s  parsed and validated")
"""


def code_cell(source: str, outputs: list | None = None) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": outputs or [],
            "source": source}


def notebooks(folder: Path) -> dict[str, Path]:
    plot = base64.b64encode(os.urandom(36_000)).decode()
    figure = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": plot}}]
    layouts = {
        "outputs": [code_cell(CODE)] + [code_cell(f"show({i})", figure) for i in range(2_000)],
        "cells": [code_cell(CODE)]
        + [{"cell_type": "markdown", "metadata": {}, "source": "x" * 19_000} for _ in range(4_900)],
        "over_cap": [code_cell(CODE)] + [code_cell("1") for _ in range(200_000)],
    }
    paths = {}
    for name, cells in layouts.items():
        paths[name] = folder / f"{name}.ipynb"
        document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
        paths[name].write_text(json.dumps(document), encoding="utf-8")
    return paths


def measure(script: str, path: Path) -> str:
    """One fresh process: what it printed, and its own peak RSS."""
    done = subprocess.run([sys.executable, "-c", script + PEAK, str(path)], capture_output=True, text=True)
    return " ".join(done.stdout.split("\n")).strip() or done.stderr.strip().splitlines()[-1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in notebooks(Path(tmp)).items():
            size = path.stat().st_size / 1e6
            print(f"{name:9s} {size:5.1f} MB  load:     {measure(LOAD, path)}")
            print(f"{'':9s} {'':5s}     nbformat: {measure(NBFORMAT, path)}")


if __name__ == "__main__":
    main()
