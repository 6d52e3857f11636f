"""The reference net's training runs over several seeds, cached on disk and authenticated.

They set the training thresholds on data other than CIFAR-10 (`reference_runs.distribution`, run
in child processes with one BLAS thread each); cached as JSON keyed by the dataset, the parameters
that decide a run, the seeds and the dataset entry (whose name covers a hash of `reference/*.py`),
so a class of submissions pays for them once. A cached entry must carry the store's HMAC and be
accuracies in [0, 1]; one that fails is discarded and computed again, never used.
"""

from __future__ import annotations

import hmac
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from grader.judge.check_models import TrainParams
from grader.judge.training import reference_runs, store

# The parameters that decide a reference run (its thresholds do not): the cache key of its runs.
# The metric is one: the other accuracy is measured on fewer images (`reference_runs.judge`).
TRAINING_FIELDS = {
    "model",
    "num_val",
    "solver_val_split",
    "num_epochs",
    "batch_size",
    "learning_rate",
    "metric",
}


def reference_seeds(p: TrainParams) -> list[int]:
    return list(range(p.reference_runs))


def reference_distribution(
    cache_dir: Path, data_dir: Path, dataset: str, p: TrainParams, num_train: int
) -> list[dict[str, float]]:
    """[{"train_acc", "val_acc"} per seed]: the reference net trained as the student's is, once per
    seed in `reference_seeds(p)` with rotating init orders, judged as the student's is (cached)."""
    root = store.readable_dir(Path(cache_dir) / "reference_runs", 0o700)
    seeds = reference_seeds(p)
    # data_dir's name already stands for the dataset, its sizes and the reference's code.
    training = p.model_dump(mode="json", include=TRAINING_FIELDS)
    path = root / f"{store.entry_key(data_dir.name, dataset, training, num_train, seeds)}.json"
    runs = _read_runs(path, len(seeds))
    if runs is None:
        with store.locked(path):
            runs = _read_runs(path, len(seeds))
            if runs is None:
                judging = store.judging_dir(cache_dir, data_dir)
                runs = train_reference_runs(data_dir, judging, p, num_train, seeds)
                body = json.dumps(runs, sort_keys=True)
                record = {"runs": runs, "hmac": store.mac(path.name.encode(), body.encode())}
                store.write_atomic(path, json.dumps(record).encode(), 0o600)
    return runs


def _read_runs(path: Path, count: int) -> list[dict[str, float]] | None:
    """The cached runs if they are authentic and plausible, else None (and the file is removed)."""
    try:
        record = json.loads(path.read_bytes())
        runs = record["runs"]
        body = json.dumps(runs, sort_keys=True)
        authentic = isinstance(record["hmac"], str) and hmac.compare_digest(
            record["hmac"], store.mac(path.name.encode(), body.encode())
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        authentic, runs = False, None
    if authentic and valid_runs(runs, count):
        return runs
    path.unlink(missing_ok=True)
    return None


def valid_runs(runs: Any, count: int) -> bool:
    """`count` runs, each {"train_acc", "val_acc"} with values in [0, 1]."""
    return (
        isinstance(runs, list)
        and len(runs) == count
        and all(
            isinstance(run, dict)
            and set(run) == {"train_acc", "val_acc"}
            and all(isinstance(v, float) and math.isfinite(v) and 0 <= v <= 1 for v in run.values())
            for run in runs
        )
    )


def train_reference_runs(
    data_dir: Path, judge_dir: Path, p: TrainParams, num_train: int, seeds: list[int]
) -> list[dict[str, float]]:
    """`reference_runs.distribution` in child processes (one BLAS thread each, like a worker), the
    seeds shared out over the machine's cores."""
    jobs = max(1, min(len(seeds), os.cpu_count() or 1))
    shares = [seeds[i::jobs] for i in range(jobs)]
    with ThreadPoolExecutor(jobs) as pool:
        parts = list(
            pool.map(
                lambda share: reference_runs.in_child(
                    "train",
                    str(data_dir),
                    str(judge_dir),
                    p.model_dump_json(),
                    str(num_train),
                    *map(str, share),
                ),
                shares,
            )
        )
    by_seed = {}
    for share, part in zip(shares, parts, strict=True):
        by_seed.update(zip(share, part, strict=True))
    runs = [by_seed[seed] for seed in seeds]
    if not valid_runs(runs, len(seeds)):
        raise RuntimeError(f"the reference training runs gave implausible results: {runs}")
    return runs
