"""Kind `numeric_gradient`: a student's backward against centered differences of their own forward.

Independent of the reference: it asks only that the backward be the gradient of
the forward the student wrote. The numeric gradients are computed in the worker
(the `numeric_grad` op), where the forward lives; runs on the notebook's cases.
"""

from __future__ import annotations

import numpy as np

from grader.checks import layer_io
from grader.checks.base import CheckContext, MalformedResultError, Outcome
from grader.checks.cases import (
    ConvCase,
    PoolCase,
    conv_backward_public,
    max_pool_backward_public,
    sandwich_public,
)
from grader.checks.compare import compare
from grader.checks.diagnose import diagnose_layer
from grader.rubric import NumericGradientCheck


def symbols(spec: NumericGradientCheck) -> list[str]:
    forward, backward, _ = layer_io.LAYERS[spec.params.layer]
    return [forward, backward]


def _case(layer: str) -> tuple[ConvCase | PoolCase, dict[str, int] | None]:
    if layer == "conv":
        return conv_backward_public(), None
    if layer == "max_pool":
        return max_pool_backward_public(), None
    return sandwich_public(pool=layer == "conv_relu_pool")


def run(spec: NumericGradientCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    case, pool_param = _case(p.layer)
    forward_symbol, backward_symbol, names = layer_io.LAYERS[p.layer]
    try:
        out, grads = layer_io.backward(ctx.calls, p.layer, case, pool_param)
    except MalformedResultError as exc:
        return Outcome.graded(0, 1, message=str(exc))
    if not isinstance(out, np.ndarray) or out.shape != case.dout.shape:
        # Checked here: the numeric gradient multiplies the forward's output by this dout.
        shape = out.shape if isinstance(out, np.ndarray) else type(out).__name__
        return Outcome.graded(0, 1, message=f"{forward_symbol} returned {shape}, expected {case.dout.shape}")
    args = layer_io.forward_args(case, pool_param)
    verdicts = []
    for wrt, (name, grad) in enumerate(zip(names, grads, strict=True)):
        numeric = ctx.calls.op(
            "numeric_grad", symbol=forward_symbol, args=args, wrt=wrt, dout=case.dout, out_index=0, h=p.h
        )
        verdicts.append(compare(name, grad, np.asarray(numeric), dtype=np.dtype(np.float64), tol=p.tol))
    metrics: dict[str, float | int | str | bool | None] = {
        f"{name}_rel_error": v.error for name, v in zip(names, verdicts, strict=True)
    }
    bad = [v.message for v in verdicts if not v.ok]
    lines = [f"Testing {backward_symbol} function"] + [
        f"{name} error: {v.error}" for name, v in zip(names, verdicts, strict=True)
    ]
    hint = None
    if bad and p.layer in ("conv", "max_pool"):
        student = grads if len(grads) > 1 else grads[0]
        hint = diagnose_layer(p.layer, "backward", [(case, student)])
    return Outcome.graded(
        0 if bad else 1,
        1,
        metrics=metrics,
        threshold=f"relative error <= {p.tol:.0e} for {', '.join(names)}",
        message="\n".join(bad + lines) if bad else "\n".join(lines),
        hint=hint,
    )
