"""Trusted helpers that run inside the worker, next to the student's code.

They run in the untrusted process, so the parent validates their results like
any other reply. Each op is called as ``worker.op(name, **kwargs)``; arguments
and results cross as plain data, a model crosses as a Handle.

``time_calls(calls, repeats=5, warmup=1)``
    ``calls``: list of ``{"symbol": str, "args": list, "kwargs": dict}``. The
    arguments are sent once; each round runs every call once, in turn
    (alternating, so drift in machine load hits all calls alike), on fresh
    copies of the arguments. Returns ``{"times_s": [[t, ...] per call],
    "median_s": [m per call]}``.

``numeric_grad(symbol, args, wrt, dout, kwargs=None, out_index=None, h=1e-5)``
    Central-difference gradient of ``sum(f(*args, **kwargs)[out_index] * dout)``
    with respect to ``args[wrt]`` (``out_index`` None: the whole output).
    Returns an array shaped like ``args[wrt]`` (float64).

``model_numeric_grad(model, X, y, name, h=1e-5)``
    Central-difference gradient of ``model.loss(X, y)[0]`` with respect to
    ``model.params[name]``, an array shaped like it.

Both use the course's ``gradient_check`` that every bundle carries as
``cnngrade_starter.gradient_check`` (the reference's own copy).

``seed(value)``
    ``numpy.random.seed(value)``: the student's init and the Solver draw from
    numpy's global RNG, so a grade is reproducible only if it is seeded first.

``train(model, data_dir, solver=None, num_train=None, val_split="val")``
    Reads ``X_train.npy, y_train.npy, X_val.npy, y_val.npy`` from ``data_dir``
    (one of the worker's read-only dirs; ``num_train`` keeps the first N
    training samples; ``val_split="train"`` makes those training samples the
    Solver's validation split too, so that it keeps the parameters that fit
    them best), runs ``cnngrade_starter.solver.Solver(model, data, **solver)``
    and returns ``{"loss_history", "train_acc_history", "val_acc_history":
    list[float], "params": {name: ndarray}}`` (every parameter after training,
    which the Solver sets to its best ones). All of it is the student's claim:
    the grader judges the parameters itself and only displays the histories.
"""

from __future__ import annotations

import copy
import importlib
import os
import statistics
from collections.abc import Callable
from typing import Any

import numpy as np


def time_calls(
    session: Any, calls: list[dict[str, Any]], repeats: int = 5, warmup: int = 1
) -> dict[str, Any]:
    fns = [session.resolve(c["symbol"]) for c in calls]
    times: list[list[float]] = [[] for _ in calls]
    for round_ in range(warmup + repeats):
        for i, (fn, c) in enumerate(zip(fns, calls, strict=True)):
            args, kwargs = copy.deepcopy((c.get("args", []), c.get("kwargs", {})))
            start = session.clock()
            fn(*args, **kwargs)
            elapsed = session.clock() - start
            if round_ >= warmup:
                times[i].append(elapsed)
    return {"times_s": times, "median_s": [statistics.median(t) for t in times]}


def _gradient_check() -> Any:
    return importlib.import_module("cnngrade_starter.gradient_check")


def numeric_grad(
    session: Any,
    symbol: str,
    args: list[Any],
    wrt: int,
    dout: np.ndarray,
    kwargs: dict[str, Any] | None = None,
    out_index: int | None = None,
    h: float = 1e-5,
) -> np.ndarray:
    fn = session.resolve(symbol)
    args = list(args)
    args[wrt] = np.array(args[wrt], dtype=np.float64)
    kwargs = kwargs or {}

    def f(x: np.ndarray) -> np.ndarray:
        out = fn(*args, **kwargs)  # x is args[wrt], perturbed in place
        return np.asarray(out if out_index is None else out[out_index], dtype=np.float64)

    return _gradient_check().eval_numerical_gradient_array(f, args[wrt], dout, h=h)


def model_numeric_grad(
    session: Any, model: Any, X: np.ndarray, y: np.ndarray, name: str, h: float = 1e-5
) -> np.ndarray:
    param = model.params[name]
    if not isinstance(param, np.ndarray) or param.dtype != np.float64:
        raise TypeError(f"model.params[{name!r}] must be a float64 array, got {type(param).__name__}")

    def loss(_: np.ndarray) -> float:
        return float(model.loss(X, y)[0])  # the model reads the perturbed param itself

    return _gradient_check().eval_numerical_gradient(loss, param, verbose=False, h=h)


def seed(session: Any, value: int) -> None:
    np.random.seed(value)


def train(
    session: Any,
    model: Any,
    data_dir: str,
    solver: dict[str, Any] | None = None,
    num_train: int | None = None,
    val_split: str = "val",
) -> dict[str, Any]:
    if not any(os.path.realpath(data_dir).startswith(os.path.realpath(d)) for d in session.ro_dirs):
        raise ValueError(f"{data_dir} is not one of the worker's read-only dirs")
    names = ("X_train", "y_train", "X_val", "y_val")
    data = {k: np.load(os.path.join(data_dir, f"{k}.npy"), allow_pickle=False) for k in names}
    if num_train is not None:
        data["X_train"], data["y_train"] = data["X_train"][:num_train], data["y_train"][:num_train]
    if val_split == "train":
        data["X_val"], data["y_val"] = data["X_train"], data["y_train"]
    Solver = importlib.import_module("cnngrade_starter.solver").Solver
    run = Solver(model, data, **{"verbose": False, **(solver or {})})
    run.train()
    return {
        "loss_history": [float(v) for v in run.loss_history],
        "train_acc_history": [float(v) for v in run.train_acc_history],
        "val_acc_history": [float(v) for v in run.val_acc_history],
        "params": {name: np.asarray(value) for name, value in model.params.items()},
    }


OPS: dict[str, Callable[..., Any]] = {
    "time_calls": time_calls,
    "numeric_grad": numeric_grad,
    "model_numeric_grad": model_numeric_grad,
    "seed": seed,
    "train": train,
}
