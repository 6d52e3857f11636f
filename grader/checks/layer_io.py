"""Calling a student's layer in the worker: forward keeps its cache there, backward uses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks import claims
from grader.checks.base import StudentCalls
from grader.checks.cases import ConvCase, PoolCase

# layer -> (forward symbol, backward symbol, names of the backward's outputs)
LAYERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "conv": ("conv_forward_naive", "conv_backward_naive", ("dx", "dw", "db")),
    "max_pool": ("max_pool_forward_naive", "max_pool_backward_naive", ("dx",)),
    "conv_relu": ("conv_relu_forward", "conv_relu_backward", ("dx", "dw", "db")),
    "conv_relu_pool": ("conv_relu_pool_forward", "conv_relu_pool_backward", ("dx", "dw", "db")),
    "conv_fast": ("conv_forward_fast", "conv_backward_fast", ("dx", "dw", "db")),
    "max_pool_fast": ("max_pool_forward_fast", "max_pool_backward_fast", ("dx",)),
}


def forward_args(case: ConvCase | PoolCase, pool_param: dict[str, int] | None = None) -> list[Any]:
    if isinstance(case, PoolCase):
        return [case.x, case.pool_param]
    args: list[Any] = [case.x, case.w, case.b, case.conv_param]
    return args if pool_param is None else [*args, pool_param]


def forward(
    calls: StudentCalls, layer: str, case: ConvCase | PoolCase, pool_param: dict[str, int] | None = None
) -> tuple[np.ndarray, Any]:
    """(out, handle of the cache that stays in the worker)."""
    symbol = LAYERS[layer][0]
    out, cache = claims.items(calls.call(symbol, *forward_args(case, pool_param), keep=(1,)), 2, f"{symbol}:")
    return out, cache


def backward(
    calls: StudentCalls, layer: str, case: ConvCase | PoolCase, pool_param: dict[str, int] | None = None
) -> tuple[object, tuple[object, ...]]:
    """(the forward's out, the backward's outputs on the case's dout) from the student's code."""
    out, cache = forward(calls, layer, case, pool_param)
    symbol, names = LAYERS[layer][1], LAYERS[layer][2]
    grads = calls.call(symbol, case.dout, cache)
    if len(names) == 1:
        return out, (grads,)
    return out, claims.items(grads, len(names), f"{symbol} should return ({', '.join(names)}):")


def probe(calls: StudentCalls, layer: str, direction: str) -> Callable[[ConvCase | PoolCase], object]:
    """The student's layer as the diagnosis may run it on cases of its own choosing: the forward's
    out, or the backward's whole result on the case's dout."""

    def run(case: ConvCase | PoolCase) -> object:
        if direction == "forward":
            return forward(calls, layer, case)[0]
        return backward(calls, layer, case)[1]

    return run
