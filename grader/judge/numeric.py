"""Numeric gradients computed by the grader from the student's raw outputs.

The worker only evaluates the student's function at inputs moved by +h and -h
(the `perturbed_outputs` / `perturbed_losses` ops: a loop of calls); every
output is validated here and the centered differences are taken here, so a
worker whose helpers were replaced can only lie about its own function's
values — and those are checked against the reference at the same inputs
whenever the student's forward claims to be the correct one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from grader.judge import claims
from grader.judge.compare import scaled_error
from grader.judge.student_calls import MalformedResultError, StudentCalls

# Two computations of the same function on the same float64 inputs agree far closer than this.
SAME_FUNCTION_TOL = 1e-8


def perturbed(args: list[Any], wrt: int, h: float) -> Iterator[list[Any]]:
    """args with entry i of args[wrt] at +h, then at -h, for every i (as the worker's op does)."""
    x = np.array(args[wrt], dtype=np.float64)
    flat = x.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        for step in (h, -h):
            flat[i] = saved + step
            yield [*args[:wrt], x.copy(), *args[wrt + 1 :]]
        flat[i] = saved


def centered(values: np.ndarray, h: float) -> np.ndarray:
    """(f(x + h) - f(x - h)) / 2h from values ordered +h, -h per entry."""
    return (values[0::2] - values[1::2]) / (2 * h)


def layer_gradient(
    calls: StudentCalls,
    symbol: str,
    args: list[Any],
    wrt: int,
    dout: np.ndarray,
    h: float,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """d sum(symbol(*args)[0] * dout) / d args[wrt], from the student's outputs.

    `reference` (the same differences of the correct forward) is given when the student's forward
    matched the correct one at the unperturbed inputs: then it must match at the perturbed ones
    too, as far as the differences see. A forward that is right at the test case and constant
    around it would otherwise make any backward look right.
    """
    size = int(np.size(args[wrt]))
    raw = claims.items(
        calls.op("perturbed_outputs", symbol=symbol, args=args, wrt=wrt, h=h), 2 * size, f"{symbol} outputs"
    )
    outputs = np.stack(
        [claims.array(out, f"{symbol} output", shape=dout.shape).astype(np.float64) for out in raw]
    )
    gradient = from_outputs(outputs, dout, h, np.shape(args[wrt]))
    if reference is not None and scaled_error(gradient, reference) > SAME_FUNCTION_TOL:
        raise MalformedResultError(
            f"{symbol} is right at the test inputs but wrong at inputs {h:g} away from them"
        )
    return gradient


def from_outputs(outputs: np.ndarray, dout: np.ndarray, h: float, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient of sum(f * dout) from f's outputs at the `perturbed` inputs."""
    return np.tensordot(centered(outputs, h), dout, axes=dout.ndim).reshape(shape)


def model_gradient(
    calls: StudentCalls, model: Any, X: np.ndarray, y: np.ndarray, name: str, indices: list[int], h: float
) -> np.ndarray:
    """d loss / d params[name] at these flat indices, from the student's raw losses at perturbed params
    (a sample, as the course's grad_check_sparse: a net on naive layers must answer in time)."""
    op = calls.op("perturbed_losses", model=model, X=X, y=y, name=name, h=h, indices=indices)
    raw = claims.items(op, 2 * len(indices), f"losses for {name}")
    return centered(np.array([claims.number(v, "loss") for v in raw]), h)
