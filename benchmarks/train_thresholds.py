"""How often does a correct net fail a training check? The reference's spread against its threshold.

For each training check of the rubric (on the built-in dataset): trains the reference net for the
check's `reference_runs` seeds (0, 1, ...; cold-cache cost, timed), sets the threshold from them as
the grader does, then trains it again for SWEEP other seeds (100, 101, ...; init order seed mod 6,
so every order of drawing W1, W2, W3 is covered) and counts the runs below the threshold: the
false-fail rate of a correct submission. Every run is judged as a student's is (the reference
forward on the trained parameters; train_acc on the first training samples, val_acc on held-out
images). `--set` changes a check's parameter, e.g. the notebook's 15 epochs for overfit.

    .venv/bin/python benchmarks/train_thresholds.py --sweep 24
    .venv/bin/python benchmarks/train_thresholds.py --sweep 24 --check overfit --set num_epochs=15
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.judge.kinds.train import TrainCheck, threshold_from  # noqa: E402
from grader.judge.rubric import load_rubric  # noqa: E402
from grader.judge.training import runs_cache, store  # noqa: E402

SWEEP_FROM = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", type=int, default=24, help="seeds beyond the threshold's own")
    parser.add_argument("--check", action="append", help="only these check ids (default: every train check)")
    parser.add_argument("--set", action="append", default=[], help="PARAM=JSON_VALUE for every check run")
    parser.add_argument("--rubric", type=Path, default=ROOT / "rubrics" / "convnet.toml")
    args = parser.parse_args()
    overrides = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    every = [c for c in load_rubric(args.rubric).checks if isinstance(c, TrainCheck)]
    checks = [c for c in every if not args.check or c.id in args.check]
    with tempfile.TemporaryDirectory(prefix="bench-thresholds-") as cache_dir:
        cache = Path(cache_dir)
        start = time.perf_counter()
        # Sized for every training check, as a grading's is, whichever are swept: the size sets
        # the mean the images are centred by.
        data_dir = store.prepare_dataset(
            cache, None, max(c.params.num_train for c in every), max(c.params.num_val for c in every)
        )
        print(f"dataset written and authenticated: {time.perf_counter() - start:.1f} s")
        for check in checks:
            p = check.params.model_copy(update=overrides)
            start = time.perf_counter()
            runs = runs_cache.reference_distribution(cache, data_dir, "builtin", p, p.num_train)
            cold = time.perf_counter() - start
            threshold = threshold_from(p, runs)
            start = time.perf_counter()
            sweep = runs_cache.train_reference_runs(
                data_dir,
                store.judging_dir(cache, data_dir),
                p,
                p.num_train,
                list(range(SWEEP_FROM, SWEEP_FROM + args.sweep)),
            )
            sweep_s = time.perf_counter() - start
            own = [run[p.metric] for run in runs]
            others = [run[p.metric] for run in sweep]
            failing = [SWEEP_FROM + i for i, value in enumerate(others) if value < threshold]
            print(f"\n{check.id} ({p.metric}; {json.dumps(overrides) if overrides else 'as shipped'})")
            print(f"  reference runs (seeds 0..{len(runs) - 1}): {fmt(own)}  [{cold:.1f} s, cold cache]")
            print(f"  threshold: {p.relative_threshold:g} x {min(own):.3f} = {threshold:.3f}")
            last = SWEEP_FROM + args.sweep - 1
            print(f"  sweep (seeds {SWEEP_FROM}..{last}): {fmt(others)}  [{sweep_s:.1f} s]")
            print(
                f"  spread: min {min(others):.3f}, median {statistics.median(others):.3f}, "
                f"max {max(others):.3f}; the lowest is {min(others) - threshold:+.3f} from the threshold"
            )
            print(
                f"  false fails: {len(failing)} of {len(others)} ({len(failing) / len(others):.0%}) {failing}"
            )


def fmt(values: list[float]) -> str:
    return " ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    main()
