"""Sandbox costs: worker start-up, per-call overhead, and the slowdown of student code inside.

Three measurements, each at every isolation level this machine offers, with the settings
alternated round by round so a change in machine load hits all of them alike:

1. start-up: `Worker(...)` until the child has imported numpy and said it is ready, against
   a bare `python -c "import numpy"` started the same way (the floor the sandbox adds to);
2. per-call overhead: `call("echo", x)` for x of shape (100, 3, 32, 32) float64 (2.4 MB each
   way), against the same echo plus one `x.copy()` in this process;
3. slowdown: the example submission's `conv_forward_naive` on (10, 3, 32, 32) with 16 filters of
   3x3, timed inside the worker (the reply's in-child `duration_s`) and, right after each such
   run, bare in this process; the median of these paired ratios is the slowdown.

BLAS is pinned to one thread here too, as in the worker, so (3) measures the sandbox alone.

    .venv/bin/python benchmarks/bench_sandbox.py --repeats 10
"""

from __future__ import annotations

import os

os.environ.update({v: "1" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from grader.isolate import Limits, Worker, available_levels  # noqa: E402
from grader.load.submission import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "submissions" / "correct_module" / "convnet_hw.py"
ECHO = "def echo(x):\n    return x\n"


def median_ms(values: list[float]) -> float:
    return round(1000 * statistics.median(values), 3)


def startup(levels: list[str], bundle, repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {level: [] for level in [*levels, "bare python+numpy"]}
    for _ in range(repeats):
        for level in levels:
            start = time.perf_counter()
            worker = Worker(bundle, Limits(), isolation=level)
            times[level].append(time.perf_counter() - start)
            worker.close()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        times["bare python+numpy"].append(time.perf_counter() - start)
    return {k: median_ms(v) for k, v in times.items()}


def call_overhead(levels: list[str], bundle, repeats: int) -> dict[str, float]:
    x = np.random.default_rng(0).standard_normal((100, 3, 32, 32))
    workers = {level: Worker(bundle, Limits(), isolation=level) for level in levels}
    times: dict[str, list[float]] = {level: [] for level in [*levels, "in-process echo + copy"]}
    try:
        for worker in workers.values():
            worker.call("echo", x)  # warm up
        for _ in range(repeats * 10):
            for level, worker in workers.items():
                start = time.perf_counter()
                out = worker.call("echo", x).value
                times[level].append(time.perf_counter() - start)
                assert out.shape == x.shape
            start = time.perf_counter()
            x.copy()
            times["in-process echo + copy"].append(time.perf_counter() - start)
    finally:
        for worker in workers.values():
            worker.close()
    result = {k: median_ms(v) for k, v in times.items()}
    base = result["in-process echo + copy"]
    result.update({f"{level} overhead": round(result[level] - base, 3) for level in levels})
    return result


def slowdown(levels: list[str], bundle, repeats: int) -> dict[str, float]:
    sys.path.insert(0, str(bundle.root))  # the very tree the worker imports; our own example, trusted
    example = importlib.import_module(bundle.manifest.symbols["conv_forward_naive"].module)
    rng = np.random.default_rng(0)
    args = [rng.standard_normal((10, 3, 32, 32)), rng.standard_normal((16, 3, 3, 3)), rng.standard_normal(16),
            {"stride": 1, "pad": 1}]  # fmt: skip
    workers = {level: Worker(bundle, Limits(), isolation=level) for level in levels}
    times: dict[str, list[float]] = {level: [] for level in levels}
    try:
        for worker in workers.values():
            worker.call("conv_forward_naive", *args)  # warm up
        for _ in range(3 * repeats):
            for level, worker in workers.items():
                # The time the worker measured inside the call: the sandbox's slowdown, not the round trip.
                times[level].append(worker.call("conv_forward_naive", *args).duration_s)
                start = time.perf_counter()  # a bare run right after each sandboxed one: a ratio per pair
                example.conv_forward_naive(*args)
                times[f"bare ({level})"] = [*times.get(f"bare ({level})", []), time.perf_counter() - start]
    finally:
        for worker in workers.values():
            worker.close()
    result = {k: median_ms(v) for k, v in times.items() if v}
    for level in levels:
        ratios = [a / b for a, b in zip(times[level], times[f"bare ({level})"], strict=True)]
        result[f"{level} slowdown % (paired)"] = round(100 * (statistics.median(ratios) - 1), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    levels = list(available_levels())
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        echo_src = Path(tmp) / "echo.py"
        echo_src.write_text(ECHO)
        echo = load(echo_src, Path(tmp) / "echo", required_symbols=["echo"], own_symbols=())
        example = load(EXAMPLE, Path(tmp) / "example")
        results = {
            "levels": levels,
            "load_average": os.getloadavg()[0],
            "startup_ms": startup(levels, echo, args.repeats),
            "call_ms (100,3,32,32) float64 round trip": call_overhead(levels, echo, args.repeats),
            "conv_forward_naive_ms": slowdown(levels, example, args.repeats),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
