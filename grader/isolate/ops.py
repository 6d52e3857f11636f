"""Trusted helpers that run inside the worker, next to the student's code.

They run in the untrusted process, so the parent validates their results like
any other reply. Each op is called as ``worker.op(name, **kwargs)``; arguments
and results cross as plain data, a model crosses as a Handle.

``import_module(name)``
    Imports one of the submission's modules, so that code that hangs or crashes
    at import is found once, before any check calls into it.

``perturbed_outputs(symbol, args, wrt, h, out_index=0)``
    For each entry i of ``args[wrt]`` (in C order), calls ``symbol`` with that
    entry at +h and then at -h and returns the raw outputs (``out[out_index]``
    of each call) in a list of 2 * size items. Only a loop of calls: the grader
    validates every output and computes the finite differences itself.

``perturbed_losses(model, X, y, name, h, indices=None)``
    The same for ``model.params[name]``: ``model.loss(X, y)[0]`` at +h and -h
    per entry (or per flat index in ``indices``), as a list of raw values.

``forward_with_param(symbol, args, index)``
    Calls ``symbol(*args)`` once and returns ``[out, args[index]]``: the forward's output and the
    param dict as the call left it (batch normalization writes its running averages into the
    caller's ``bn_param``). The grader validates both and judges the averages itself.

``float_size_notes()``
    Where the submission's code has so far used a whole-number float as a size or an index
    (``[[file, line], ...]``, compat.py), which numpy < 1.12 accepted. A note for the report only:
    it never decides a point.

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
from collections.abc import Callable
from typing import Any

import numpy as np

from . import compat


def import_module(session: Any, name: str) -> None:
    if name not in set(session.symbols.values()):
        raise ValueError(f"{name} is not one of the submission's modules")
    importlib.import_module(name)


def _each_entry_perturbed(
    target: np.ndarray, h: float, evaluate: Callable[[], Any], indices: list[int] | None = None
) -> list[Any]:
    """evaluate() with each entry of `target` (or those at `indices`) moved by +h then -h (in place,
    restored after)."""
    flat = target.reshape(-1)  # a view: the caller's array is what the code reads
    results = []
    for i in range(flat.size) if indices is None else indices:
        saved = flat[i]
        for step in (h, -h):
            flat[i] = saved + step
            results.append(evaluate())
        flat[i] = saved
    return results


def perturbed_outputs(
    session: Any, symbol: str, args: list[Any], wrt: int, h: float, out_index: int | None = 0
) -> list[Any]:
    fn = session.resolve(symbol)
    args = list(args)
    args[wrt] = np.array(args[wrt], dtype=np.float64)

    def evaluate() -> Any:
        # Fresh copies: a layer that writes into its input must not change the next call's input.
        out = fn(*copy.deepcopy(args))
        return out if out_index is None else out[out_index]

    return _each_entry_perturbed(args[wrt], h, evaluate)


def perturbed_losses(
    session: Any,
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    name: str,
    h: float,
    indices: list[int] | None = None,
) -> list[Any]:
    param = model.params[name]
    if not isinstance(param, np.ndarray) or param.dtype != np.float64 or not param.flags.c_contiguous:
        raise TypeError(f"model.params[{name!r}] must be a contiguous float64 array")
    return _each_entry_perturbed(param, h, lambda: model.loss(X, y)[0], indices)


def forward_with_param(session: Any, symbol: str, args: list[Any], index: int) -> list[Any]:
    result = session.resolve(symbol)(*args)
    return [result[0], args[index]]


def float_size_notes(session: Any) -> list[list[Any]]:
    return compat.float_size_notes(session.root)


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
    "import_module": import_module,
    "perturbed_outputs": perturbed_outputs,
    "forward_with_param": forward_with_param,
    "perturbed_losses": perturbed_losses,
    "seed": seed,
    "float_size_notes": float_size_notes,
    "train": train,
}
