"""Calling a student's layer in the worker: forward keeps its cache there, backward uses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.judge import claims
from grader.judge.layers.cases import Case
from grader.judge.layers.registry import LAYERS
from grader.judge.student_calls import StudentCalls


def forward(calls: StudentCalls, layer: str, case: Case) -> tuple[np.ndarray, Any]:
    """(out, handle of the cache that stays in the worker)."""
    symbol = LAYERS[layer].forward
    out, cache = claims.items(calls.call(symbol, *case.args(), keep=(1,)), 2, f"{symbol}:")
    return out, cache


def backward(calls: StudentCalls, layer: str, case: Case) -> tuple[object, tuple[object, ...]]:
    """(the forward's out, the backward's outputs on the case's dout) from the student's code."""
    out, cache = forward(calls, layer, case)
    spec = LAYERS[layer]
    grads = calls.call(spec.backward, case.dout, cache)
    if len(spec.grads) == 1:
        return out, (grads,)
    what = f"{spec.backward} should return ({', '.join(spec.grads)}):"
    return out, claims.items(grads, len(spec.grads), what)


def probe(calls: StudentCalls, layer: str, direction: str) -> Callable[[Case], object]:
    """The student's layer as the diagnosis may run it on cases of its own choosing: the forward's
    out, or the backward's whole result on the case's dout."""

    def run(case: Case) -> object:
        if direction == "forward":
            return forward(calls, layer, case)[0]
        return backward(calls, layer, case)[1]

    return run
