"""Kind `cnn_gradient`: every gradient ThreeLayerConvNet.loss returns, against numeric ones.

The numeric gradients come from the student's own loss (the `model_numeric_grad`
op in the worker). With reg > 0 this catches a reg term missing from the
gradients, which the notebook's own check (reg 0) cannot see.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks import model_io
from grader.checks.base import CheckContext, Outcome
from grader.checks.cases import public_rng, seeded_rng
from grader.checks.compare import compare
from grader.checks.diagnose import diagnose_reg_grads, diagnose_reg_loss
from grader.report import Visibility
from grader.rubric import CnnGradientCheck


def symbols(spec: CnnGradientCheck) -> list[str]:
    return [model_io.MODEL]


def run(spec: CnnGradientCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    hidden = spec.visibility == Visibility.hidden and ctx.secret is not None
    rng = seeded_rng(ctx.secret or "", ctx.submission_sha256, spec.id) if hidden else public_rng(spec.id)
    X, y = model_io.inputs(rng, p.model, p.num_inputs)
    model = model_io.build(ctx.calls, p.model, seed=0)
    result = ctx.calls.call_method(model, "loss", X, y)
    if not isinstance(result, tuple | list) or len(result) != 2 or not isinstance(result[1], dict):
        return Outcome.graded(0, 1, message="loss(X, y) should return (loss, grads) with grads a dict")
    grads = result[1]
    params = ctx.calls.get_attr(model, "params")
    metrics: dict[str, float | int | str | bool | None] = {}
    problems: list[str] = []
    numeric: dict[str, np.ndarray] = {}
    for name in model_io.PARAM_NAMES:
        if name not in params:
            problems.append(f"model.params has no {name}")
            continue
        numeric[name] = np.asarray(
            ctx.calls.op("model_numeric_grad", model=model, X=X, y=y, name=name, h=p.h)
        )
        verdict = compare(
            name, grads.get(name), numeric[name], dtype=np.dtype(np.float64), tol=p.tol, scaled=True
        )
        metrics[f"{name}_rel_error"] = verdict.error
        if not verdict.ok:
            problems.append(verdict.message)
    lines = [f"{name} relative error: {metrics[f'{name}_rel_error']:e}" for name in numeric]
    hint = _diagnose(ctx, spec, model, params, grads, numeric, X, y) if problems else None
    return Outcome.graded(
        0 if problems else 1,
        1,
        metrics=metrics,
        threshold=f"max |grad - numeric| / max |numeric| <= {p.tol:.0e} per param (reg = {p.model.reg:g})",
        message="\n".join(problems + lines),
        hint=hint,
    )


def _diagnose(
    ctx: CheckContext,
    spec: CnnGradientCheck,
    model: Any,
    params: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    numeric: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
) -> str | None:
    """A wrong reg term in the loss also makes the gradients disagree with it: look at the loss first."""
    reg = spec.params.model.reg
    if reg <= 0:
        return None
    reg_term = model_io.loss_value(ctx.calls, model, X, y) - model_io.loss_without_reg(
        ctx.calls, spec.params.model, params, X, y
    )
    expected = 0.5 * reg * model_io.weight_norm(params)
    return diagnose_reg_loss(reg_term, expected) or diagnose_reg_grads(grads, numeric, params, reg)
