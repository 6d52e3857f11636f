"""Kind `cnn_gradient`: every gradient ThreeLayerConvNet.loss returns, against numeric ones.

The numeric gradients come from the student's own loss (the `model_numeric_grad`
op in the worker). With reg > 0 this catches a reg term missing from the
gradients, which the notebook's own check (reg 0) cannot see.
"""

from __future__ import annotations

import numpy as np

from grader.checks import model_io
from grader.checks.base import CheckContext, Outcome
from grader.checks.cases import public_rng, seeded_rng
from grader.checks.compare import compare
from grader.diagnose import diagnose_reg_grads
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
            ctx.calls.op("model_numeric_grad", model=model, X=X, y=y, name=name, h=1e-6)
        )
        verdict = compare(name, grads.get(name), numeric[name], dtype=np.dtype(np.float64), tol=p.tol)
        metrics[f"{name}_rel_error"] = verdict.error
        if not verdict.ok:
            problems.append(verdict.message)
    lines = [f"{name} max relative error: {metrics[f'{name}_rel_error']:e}" for name in numeric]
    hint = diagnose_reg_grads(grads, numeric, params, p.model.reg) if problems else None
    return Outcome.graded(
        0 if problems else 1,
        1,
        metrics=metrics,
        threshold=f"relative error <= {p.tol:.0e} for every parameter (reg = {p.model.reg:g})",
        message="\n".join(problems + lines),
        hint=hint,
    )
