"""Kind `numeric_gradient`: a student's backward against centered differences of their own forward.

It asks that the backward be the gradient of the forward the student wrote, on
the notebook's cases. The worker evaluates the student's forward at the perturbed
inputs; the differences are taken by the grader (`grader.checks.numeric`). When
the forward is right at the test case it must stay right at the perturbed inputs,
so a forward that only pretends cannot make a wrong backward pass. When it is
wrong there, the backward is held to the centered differences of the reference's
forward: the gradient of a wrong forward (zeros for zeros) earns nothing, a right
backward beside a wrong forward still does.
"""

from __future__ import annotations

import numpy as np

from grader.checks import claims, expected, layer_io, numeric
from grader.checks.base import CheckContext, MalformedResultError, Outcome
from grader.checks.cases import (
    ConvCase,
    PoolCase,
    conv_backward_public,
    max_pool_backward_public,
    sandwich_public,
)
from grader.checks.compare import compare, scaled_error
from grader.checks.diagnose import diagnose_layer
from grader.rubric import NumericGradientCheck


def symbols(spec: NumericGradientCheck) -> list[str]:
    forward, backward, _ = layer_io.LAYERS[spec.params.layer]
    return [forward, backward]


def public_case(layer: str) -> tuple[ConvCase | PoolCase, dict[str, int] | None]:
    if layer == "conv":
        return conv_backward_public(), None
    if layer == "max_pool":
        return max_pool_backward_public(), None
    return sandwich_public(pool=layer == "conv_relu_pool")


def run(spec: NumericGradientCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    case, pool_param = public_case(p.layer)
    forward_symbol, backward_symbol, names = layer_io.LAYERS[p.layer]
    args = layer_io.forward_args(case, pool_param)
    try:
        out, grads = layer_io.backward(ctx.calls, p.layer, case, pool_param)
        # The numeric gradient multiplies the forward's output by the case's dout: same shape.
        out = claims.array(out, f"{forward_symbol} output", shape=case.dout.shape)
        forward_error = scaled_error(out, expected.layer_forward(p.layer, args))
        matches = forward_error <= numeric.SAME_FUNCTION_TOL
        if not matches and p.forward_must_match:
            message = f"{forward_symbol}: its output differs from the reference's by {forward_error:.2e}"
            return Outcome.graded(0, 1, message=message)
        # A forward that is wrong here (all zeros, say) is no yardstick: the backward is then held
        # to the centered differences of the reference's forward instead of its own.
        numerics = [
            numeric.layer_gradient(
                ctx.calls,
                forward_symbol,
                args,
                wrt,
                case.dout,
                p.h,
                expected.numeric_layer_gradient(p.layer, args, wrt, case.dout, p.h),
            )
            if matches
            else expected.numeric_layer_gradient(p.layer, args, wrt, case.dout, p.h)
            for wrt in range(len(names))
        ]
    except MalformedResultError as exc:
        return Outcome.graded(0, 1, message=str(exc))
    verdicts = [
        compare(name, grad, numeric_grad, dtype=np.dtype(np.float64), tol=p.tol)
        for name, grad, numeric_grad in zip(names, grads, numerics, strict=True)
    ]
    metrics: dict[str, float | int | str | bool | None] = {
        f"{name}_rel_error": v.error for name, v in zip(names, verdicts, strict=True)
    }
    bad = [v.message for v in verdicts if not v.ok]
    if bad and not matches:
        bad.insert(0, f"{forward_symbol} is wrong on this case, so {backward_symbol} is checked against "
                      "the gradient of the reference's forward")
    lines = [f"Testing {backward_symbol} function"] + [
        f"{name} error: {v.error}" for name, v in zip(names, verdicts, strict=True)
    ]
    hint = None
    if bad and p.layer in ("conv", "max_pool"):
        student = grads if len(grads) > 1 else grads[0]
        probe = layer_io.probe(ctx.calls, p.layer, "backward")
        hint = diagnose_layer(p.layer, "backward", [(case, student)], probe=probe)
    return Outcome.graded(
        0 if bad else 1,
        1,
        metrics=metrics,
        threshold=f"relative error <= {p.tol:.0e} for {', '.join(names)}",
        message="\n".join(bad + lines),
        hint=hint,
    )
