"""Kind `numeric_gradient`: a student's backward against centered differences of their own forward.

It asks that the backward be the gradient of the forward the student wrote, on
the notebook's cases. The worker evaluates the student's forward at the perturbed
inputs; the differences are taken by the grader (`grader.judge.numeric`). When
the forward is right at the test case it must stay right at the perturbed inputs,
so a forward that only pretends cannot make a wrong backward pass. When it is
wrong there, the backward is held to the centered differences of the reference's
forward: the gradient of a wrong forward (zeros for zeros) earns nothing, a right
backward beside a wrong forward still does.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grader.judge import claims, diagnose, expected, layer_io, numeric
from grader.judge.check_models import CheckBase, Strict
from grader.judge.compare import compare, scaled_error
from grader.judge.layers.cases import Case
from grader.judge.layers.registry import LAYERS, check_layer
from grader.judge.student_calls import CheckContext, KitContext, MalformedResultError, Outcome
from grader.report.models import Figure


class NumericGradientParams(Strict):
    """The student's backward against centered differences of the student's own forward."""

    layer: str
    tol: float = Field(default=1e-7, gt=0)
    h: float = Field(default=1e-5, gt=0)
    # The forward must also equal the reference's (for the sandwich layers, which have no forward
    # check of their own: a forward of zeros and a backward of zeros agree with each other).
    forward_must_match: bool = False

    @model_validator(mode="after")
    def _layer_has_a_backward_case(self) -> NumericGradientParams:
        if "backward" not in check_layer(self.layer).public:
            raise ValueError(f"layer {self.layer!r} has no notebook case for its backward pass")
        return self


class NumericGradientCheck(CheckBase):
    kind: Literal["numeric_gradient"]
    params: NumericGradientParams


CHECK = NumericGradientCheck  # the rubric entry this kind runs


def symbols(spec: NumericGradientCheck) -> list[str]:
    return LAYERS[spec.params.layer].symbols("backward")


def public_case(layer: str) -> Case:
    """The notebook's backward cell of the layer."""
    return LAYERS[layer].public["backward"]()


def precompute(spec: NumericGradientCheck, kit: KitContext) -> None:
    """The reference's forward and numeric gradients on the notebook's case, and the diagnosis's."""
    layer = LAYERS[spec.params.layer]
    case = public_case(layer.name)
    args = case.args()
    expected.layer_forward(layer.name, args)
    for wrt in range(len(layer.grads)):
        expected.numeric_layer_gradient(layer.name, args, wrt, case.dout, spec.params.h)
    diagnose.precompute(layer.name, "backward", case)


def run(spec: NumericGradientCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    case = public_case(p.layer)
    layer = LAYERS[p.layer]
    forward_symbol, backward_symbol, names = layer.forward, layer.backward, layer.grads
    args = case.args()
    try:
        out, grads = layer_io.backward(ctx.calls, p.layer, case)
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
    figures = [
        Figure(name=name, value=v.error, threshold=p.tol, unit="error")
        for name, v in zip(names, verdicts, strict=True)
    ]
    bad = [v.message for v in verdicts if not v.ok]
    if bad and not matches:
        bad.insert(0, f"{forward_symbol} is wrong on this case, so {backward_symbol} is checked against "
                      "the gradient of the reference's forward")
    lines = [f"Testing {backward_symbol} function"] + [
        f"{name} error: {v.error}" for name, v in zip(names, verdicts, strict=True)
    ]
    hint = None
    if bad:
        student = grads if len(grads) > 1 else grads[0]
        probe = layer_io.probe(ctx.calls, p.layer, "backward")
        hint = diagnose.diagnose_layer(p.layer, "backward", [(case, student)], probe=probe)
    return Outcome.graded(
        0 if bad else 1,
        1,
        metrics=metrics,
        figures=figures,
        threshold=f"relative error <= {p.tol:.0e} for {', '.join(names)}",
        message="\n".join(bad + lines),
        hint=hint,
    )
