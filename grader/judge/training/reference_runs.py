"""The trusted side of the training checks: judging trained parameters, and the reference's spread.

Nothing here runs student code. `accuracy` scores any parameters with the reference
ThreeLayerConvNet's forward pass, so a student's trained parameters are judged by the grader, not by
the student's `loss` or the worker's Solver. `distribution` trains the reference net as a student's
net is trained, once per seed and weight-initialisation order, and judges each run the same way:
the training checks' thresholds come from that spread, so that every correct net passes them,
whatever order it draws its weights in (drawing W3 first is, in effect, another seed).

`in_child` runs this module as a child process with one BLAS thread, like a worker, and reads the
JSON line it prints (`main`): the accuracies of each seed's training run, or the time of one
reference loss call (the yardstick of the slow-net hint after a training timeout).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from grader.judge.check_models import ModelConfig, TrainParams
from grader.judge.probes import inputs
from grader.judge.training import store

WEIGHTS = ("W1", "W2", "W3")
# Every order a student may draw the three weight matrices in (biases start at zero and draw nothing).
INIT_ORDERS: tuple[tuple[str, ...], ...] = tuple(itertools.permutations(WEIGHTS))
BATCH = 100  # images scored at once
# Images the accuracy a check does not judge by is measured on: it is shown in the report, never
# compared with a threshold, and a forward pass over 1,000 images cost as much as the rest of the
# judging.
SHOWN_SAMPLES = 200
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def reference_net(config: ModelConfig) -> Any:
    """A reference ThreeLayerConvNet of this configuration, without touching numpy's global RNG."""
    from reference.cnn import ThreeLayerConvNet

    kwargs = config.model_dump()
    kwargs["input_dim"] = tuple(kwargs["input_dim"])
    kwargs["dtype"] = np.dtype(kwargs["dtype"]).type
    state = np.random.get_state()
    try:
        return ThreeLayerConvNet(**kwargs)
    finally:
        np.random.set_state(state)


def accuracy(config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of X the reference forward pass with exactly these parameters labels y.

    The parameters must already be validated (names, shapes, finite floats); they are cast to the
    configuration's dtype, as the student's net holds them.
    """
    net = reference_net(config)
    net.params = {name: np.asarray(value, dtype=config.dtype) for name, value in params.items()}
    X = np.asarray(X, dtype=config.dtype)
    correct = 0
    for start in range(0, len(X), BATCH):
        scores = net.loss(X[start : start + BATCH])
        correct += int(np.sum(np.argmax(scores, axis=1) == y[start : start + BATCH]))
    return correct / len(X) if len(X) else 0.0


def solver_kwargs(p: TrainParams) -> dict[str, Any]:
    """The Solver's arguments for a training check, the same for the student and the reference."""
    return {
        "num_epochs": p.num_epochs,
        "batch_size": p.batch_size,
        "update_rule": "adam",
        "optim_config": {"learning_rate": p.learning_rate},
        "num_train_samples": p.num_val,
        "num_val_samples": p.num_val,
        "verbose": False,
    }


def solver_data(data: dict[str, np.ndarray], p: TrainParams, num_train: int) -> dict[str, np.ndarray]:
    """What the Solver trains on: the first num_train training samples, and the split it keeps its
    best parameters by (the val split, or for overfitting the training samples themselves)."""
    X_train, y_train = data["X_train"][:num_train], data["y_train"][:num_train]
    if p.solver_val_split == "train":
        return {"X_train": X_train, "y_train": y_train, "X_val": X_train, "y_val": y_train}
    return {"X_train": X_train, "y_train": y_train, "X_val": data["X_val"], "y_val": data["y_val"]}


def judge(
    config: ModelConfig,
    params: dict[str, np.ndarray],
    judging: dict[str, np.ndarray],
    num_train: int,
    metric: str,
) -> dict[str, float]:
    """{"train_acc", "val_acc"} of these parameters: on the first training samples (at most as many
    as the parent-only copy holds) and on the held-out split the worker never sees. The accuracy
    that is not `metric` is only shown, so it is measured on at most SHOWN_SAMPLES images."""
    n = min(num_train, len(judging["y_fit"]))
    splits = {
        "train_acc": ("X_fit", "y_fit", n),
        "val_acc": ("X_heldout", "y_heldout", len(judging["y_heldout"])),
    }
    judged = {}
    for name, (X, y, count) in splits.items():
        count = count if name == metric else min(count, SHOWN_SAMPLES)
        judged[name] = accuracy(config, params, judging[X][:count], judging[y][:count])
    return judged


def judged(
    cache_dir: Path,
    data_dir: Path,
    config: ModelConfig,
    params: dict[str, np.ndarray],
    num_train: int,
    metric: str,
) -> dict[str, float]:
    """`judge` of validated parameters on the dataset's judging split, here, with
    BLAS held to one thread as in the reference runs' children (a child only to judge cost a
    process start and the imports, 0.3 s quiet and 2 s at load 8, for under a second of work). A
    split altered since it was checked is written again (`store.read_judging`)."""
    judging = store.read_judging(cache_dir, data_dir)
    with threadpool_limits(limits=1, user_api="blas"):
        return judge(config, params, judging, num_train, metric)


def train_once(
    data: dict[str, np.ndarray],
    judging: dict[str, np.ndarray],
    p: TrainParams,
    num_train: int,
    seed: int,
    order: tuple[str, ...] = WEIGHTS,
) -> dict[str, float]:
    """Train the reference net as a student's is trained (seeded, then the Solver seeded again),
    with its weights drawn in `order`; judged as a student's parameters are."""
    from reference.solver import Solver

    net = reference_net(p.model)
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        for name in order:
            shape = net.params[name].shape
            net.params[name] = (p.model.weight_scale * np.random.randn(*shape)).astype(p.model.dtype)
        np.random.seed(seed)
        Solver(net, solver_data(data, p, num_train), **solver_kwargs(p)).train()
    finally:
        np.random.set_state(state)
    return judge(p.model, net.params, judging, num_train, p.metric)


def init_order(seed: int) -> tuple[str, ...]:
    """The weight order a run with this seed draws in: seed mod 6, so six seeds cover every order
    and seed 0 draws as the reference itself does."""
    return INIT_ORDERS[seed % len(INIT_ORDERS)]


def distribution(
    data: dict[str, np.ndarray],
    judging: dict[str, np.ndarray],
    p: TrainParams,
    num_train: int,
    seeds: list[int],
) -> list[dict[str, float]]:
    return [train_once(data, judging, p, num_train, s, init_order(s)) for s in seeds]


def loss_seconds(config: ModelConfig, count: int, repeats: int = 3) -> float:
    """The fastest of `repeats` reference loss calls on the `count` probe images of
    `probes.inputs` (seeded 0): the yardstick for a student's net that timed out."""
    X, y = inputs(np.random.default_rng(0), config, count)
    net = reference_net(config)
    fastest = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        net.loss(X, y)
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def in_child(*args: str) -> Any:
    """`python -m grader.judge.training.reference_runs ARGS` with one BLAS thread, like a worker;
    its JSON answer.

    In the grader's process BLAS may use every core, which on a busy machine is several times
    slower (threads spin waiting for each other: one reference loss call took 0.3-1.4 s instead of
    0.1 s at load 28), and the thread count could change a training run's last bits.
    """
    env = {**os.environ, **{var: "1" for var in BLAS_THREAD_VARS}}
    command = [sys.executable, "-m", "grader.judge.training.reference_runs", *args]
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"the reference run failed: {done.stderr.decode(errors='replace').strip()[-2000:]}"
        )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def main(argv: list[str]) -> Any:
    """`train DATA_DIR JUDGE_DIR PARAMS_JSON NUM_TRAIN SEED ...` or `loss-seconds CONFIG_JSON COUNT`."""
    if argv[0] == "loss-seconds":
        return loss_seconds(ModelConfig.model_validate_json(argv[1]), int(argv[2]))
    data_dir, judge_dir = Path(argv[1]), Path(argv[2])
    return distribution(
        store.read_arrays(data_dir, store.WORKER_ARRAYS),
        store.read_arrays(judge_dir, store.JUDGING_ARRAYS),
        TrainParams.model_validate_json(argv[3]),
        int(argv[4]),
        [int(s) for s in argv[5:]],
    )


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
