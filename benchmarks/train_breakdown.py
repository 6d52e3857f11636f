"""Where a training check's time goes: the Solver's updates, its accuracy bookkeeping, the judging.

Trains the reference net with a training check's recipe in this process (one BLAS thread, the
starter Solver and fast layers a worker uses; the reference net stands in for a correct student's),
timing the Solver's updates (forward + backward + Adam) apart from its accuracy measurements, then
the grader's judging of the trained parameters (`reference_runs.judge`), and a bare child process
start with the imports a judging child needed. `--profile` adds the functions that took the most
time. `--set` changes a parameter, as in `train_thresholds.py`.

    .venv/bin/python benchmarks/train_breakdown.py --check overfit --check train
    .venv/bin/python benchmarks/train_breakdown.py --check train --set num_train=5000 --set num_val=500
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.judge.kinds.train import TrainCheck  # noqa: E402
from grader.judge.rubric import load_rubric  # noqa: E402
from grader.judge.training import reference_runs, store  # noqa: E402
from reference.solver import Solver  # noqa: E402


class Timed:
    """Wraps a Solver method, adding its wall time to `seconds`."""

    def __init__(self, method):
        self.method, self.seconds = method, 0.0

    def __get__(self, solver, owner):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.method(solver, *args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def child_start_s() -> float:
    start = time.perf_counter()
    imports = "import numpy, grader.judge.rubric, grader.judge.training.store, reference.cnn"
    subprocess.run([sys.executable, "-c", imports], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="append", help="check ids (default: every training check)")
    parser.add_argument("--set", action="append", default=[], help="PARAM=JSON_VALUE for every check")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "convnet.toml")
    args = parser.parse_args()
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    checks = [c for c in load_rubric(args.rubric).checks if isinstance(c, TrainCheck)]
    checks = [c for c in checks if not args.check or c.id in args.check]
    params = [c.params.model_copy(update=overrides) for c in checks]
    print(f"load average {os.getloadavg()}; a bare child with the judging imports: {child_start_s():.2f} s")
    with tempfile.TemporaryDirectory(prefix="bench-breakdown-") as cache_dir:
        cache = Path(cache_dir)
        data_dir = store.prepare_dataset(
            cache, None, max(p.num_train for p in params), max(p.num_val for p in params)
        )
        data = store.read_arrays(data_dir, store.WORKER_ARRAYS)
        judging = store.read_arrays(store.judging_dir(cache, data_dir), store.JUDGING_ARRAYS)
        for check, p in zip(checks, params, strict=True):
            step, accuracy = Timed(Solver._step), Timed(Solver.check_accuracy)
            Solver._step, Solver.check_accuracy = step, accuracy  # type: ignore[method-assign]
            profile = cProfile.Profile() if args.profile else None
            start = time.perf_counter()
            if profile:
                profile.enable()
            judged = reference_runs.train_once(data, judging, p, p.num_train, seed=0)
            if profile:
                profile.disable()
            total = time.perf_counter() - start
            Solver._step, Solver.check_accuracy = step.method, accuracy.method  # type: ignore[method-assign]
            start = time.perf_counter()
            reference_runs.judge(p.model, judged_params(p), judging, p.num_train, p.metric)
            judge_s = time.perf_counter() - start
            rest = total - step.seconds - accuracy.seconds - judge_s
            print(
                f"{check.id} ({p.num_train} images, {p.num_epochs} epochs, batch {p.batch_size}): "
                f"{total:.2f} s = updates {step.seconds:.2f} + Solver accuracies {accuracy.seconds:.2f} "
                f"+ judging {judge_s:.2f} + the rest {rest:.2f}; {p.metric} {judged[p.metric]:.3f}"
            )
            if profile:
                pstats.Stats(profile).sort_stats("tottime").print_stats(12)


def judged_params(p) -> dict:
    """Parameters of the check's shapes to judge (the judging's cost does not depend on their values)."""
    return reference_runs.reference_net(p.model).params


if __name__ == "__main__":
    main()
