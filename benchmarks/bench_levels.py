"""What choosing a level costs, and what the portable process level costs per call.

1. probe: starting one real worker at a level and getting one answer (`grader.isolate.worker.probe`,
   uncached here); a grader pays it once per process for each level it tries, strongest first;
2. round trip: `call("echo", x)` for x of shape (100, 3, 32, 32) float64 (2.4 MB each way) at the
   process level with the shared memfd and at the portable process level (pipes only).

Settings alternate round by round, so a change in machine load hits all of them alike; medians.

    .venv/bin/python benchmarks/bench_levels.py --repeats 10
"""

from __future__ import annotations

import os

os.environ.update({v: "1" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from grader.isolate import Limits, Worker  # noqa: E402
from grader.isolate.isolation import LEVELS  # noqa: E402
from grader.isolate.worker import probe  # noqa: E402
from grader.load.submission import load  # noqa: E402


def probe_ms(repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {level: [] for level in LEVELS}
    for _ in range(repeats):
        for level in LEVELS:
            probe.cache_clear()
            start = time.perf_counter()
            reason = probe(level)
            times[level].append(time.perf_counter() - start)
            if reason is not None:
                times[level][-1] = float("nan")
    return {level: round(statistics.median(t) * 1000, 1) for level, t in times.items()}


def round_trip_ms(repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "echo.py"
        source.write_text("def conv_forward_naive(x):\n    return x\n")
        bundle = load(source, Path(tmp) / "scratch")
        workers = {
            "process (memfd)": Worker(bundle, Limits(), isolation="process", portable=False),
            "process (portable, pipes)": Worker(bundle, Limits(), isolation="process", portable=True),
        }
        x = np.random.default_rng(0).standard_normal((100, 3, 32, 32))
        times: dict[str, list[float]] = {name: [] for name in workers}
        for _ in range(repeats):
            for name, worker in workers.items():
                times[name].append(worker.call("conv_forward_naive", x).wall_s)
        for worker in workers.values():
            worker.close()
    return {name: round(statistics.median(t) * 1000, 2) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    result = {
        "probe_ms (one real worker, one answer)": probe_ms(args.repeats),
        "call_ms (100,3,32,32) float64 round trip, Reply.wall_s": round_trip_ms(args.repeats),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
