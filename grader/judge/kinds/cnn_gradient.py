"""Kind `cnn_gradient`: every gradient ThreeLayerConvNet.loss returns, against the reference's.

The grader reads the student's parameters back and runs the reference net with
exactly those parameters on the same inputs: the gradients must agree, first at
the student's own initialization, then at larger weights the grader sets (where
ReLU and pooling matter and the biases are not zero, so `db += reg * b` shows).
With reg > 0 this catches a reg term missing from the gradients, which the
notebook's own check (reg 0) cannot see. A public check also prints the
notebook's figure: each gradient against numeric gradients of the student's own
loss, taken by the grader (`grader.judge.numeric`).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from grader.judge import expected, model_io, numeric, probes
from grader.judge.check_models import CheckBase, ModelConfig, Strict
from grader.judge.compare import compare, symmetric_error
from grader.judge.diagnose import diagnose_model_loss, diagnose_reg_grads, diagnose_reg_loss
from grader.judge.layers.cases import public_rng, seeded_rng
from grader.judge.student_calls import CheckContext, KitContext, MalformedResultError, Outcome
from grader.judge.yardstick import available
from grader.report.models import Figure, Visibility


class CnnGradientParams(Strict):
    model: ModelConfig
    num_inputs: int = Field(default=2, ge=1)
    # max |student - reference| / max |reference| per gradient, on the same weights and inputs
    tol: float = Field(default=1e-6, gt=0)
    # The notebook's figure (public checks only): the student's gradients against numeric ones of
    # their own loss, taken by the grader with this step on this many entries per parameter.
    # Shown, not judged.
    h: float = Field(default=1e-6, gt=0)
    numeric_samples: int = Field(default=12, ge=1)


class CnnGradientCheck(CheckBase):
    kind: Literal["cnn_gradient"]
    params: CnnGradientParams


CHECK = CnnGradientCheck  # the rubric entry this kind runs


def symbols(spec: CnnGradientCheck) -> list[str]:
    return [model_io.MODEL]


def precompute(spec: CnnGradientCheck, kit: KitContext) -> None:
    model_io.precompute_probe(spec.params.model, spec.id, spec.params.num_inputs, with_grads=True)


def run(spec: CnnGradientCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    config = p.model
    hidden = spec.visibility == Visibility.hidden
    rng = seeded_rng(ctx.secret or "", ctx.submission_sha256, spec.id) if hidden else public_rng(spec.id)
    X, y = probes.inputs(rng, config, p.num_inputs)
    try:
        net = model_io.evaluate(ctx.calls, config, X, y, rng)
        figures = {} if hidden else _numeric_figures(ctx, net.model, net.params, net.grads, X, y, p, rng)
    except MalformedResultError as exc:
        return Outcome.graded(0, 1, message=str(exc))

    metrics: dict[str, float | int | str | bool | None] = {}
    problems: list[str] = []
    for label, weights, student in (
        ("at your initialization", net.params, net.grads),
        ("with larger weights", net.probe, net.probe_grads),
    ):
        # The student kit has the reference's gradients only at the grader's weights.
        reference = available(expected.model_loss, config, weights, X, y)
        if reference is None:
            continue
        _, correct = reference
        for name in probes.PARAM_NAMES:
            verdict = compare(
                name, student[name], correct[name], dtype=np.dtype(np.float64), tol=p.tol, scaled=True
            )
            metrics[f"{name}_error" + ("" if weights is net.params else "_large_weights")] = verdict.error
            if not verdict.ok:
                problems.append(f"{verdict.message} ({label})")
    lines = [f"{name} relative error: {error:e}" for name, error in figures.items()]
    metrics |= {f"{name}_numeric_rel_error": error for name, error in figures.items()}
    hint = _diagnose(config, net.probe, net.probe_loss, net.probe_grads, X, y) if problems else None
    return Outcome.graded(
        0 if problems else 1,
        1,
        metrics=metrics,
        # The notebook's figures are shown, not judged: the verdict is against the reference.
        figures=[
            Figure(name=f"{name}_numeric", value=error, unit="error")
            for name, error in figures.items()
        ],
        threshold=(
            f"max |grad - reference| / max |reference| <= {p.tol:.0e} per param, on the same weights "
            f"(reg = {config.reg:g})"
        ),
        message="\n".join(problems + lines),
        hint=hint,
    )


def _numeric_figures(
    ctx: CheckContext,
    model: Any,
    params: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    p: CnnGradientParams,
    rng: np.random.Generator,
) -> dict[str, float]:
    """The notebook's 'W1 relative error: ...' lines at the student's own initialization, on
    `p.numeric_samples` entries of each parameter."""
    model_io.set_params(ctx.calls, model, params)
    figures = {}
    for name, value in params.items():
        indices = sorted(
            rng.choice(value.size, size=min(p.numeric_samples, value.size), replace=False).tolist()
        )
        numeric_values = numeric.model_gradient(ctx.calls, model, X, y, name, indices, p.h)
        figures[name] = symmetric_error(grads[name].reshape(-1)[indices], numeric_values)
    return figures


def _diagnose(
    config: ModelConfig,
    params: dict[str, np.ndarray],
    loss: float,
    grads: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
) -> str | None:
    """A wrong reg term in the loss also makes the gradients disagree with it: look at the loss first."""
    structural = diagnose_model_loss(config, params, X, y, loss)
    reg = config.reg
    if structural or reg <= 0:
        return structural
    data_loss = expected.model_loss_value(config, params, X, y, reg=0.0)
    _, correct = expected.model_loss(config, params, X, y)
    term = 0.5 * reg * expected.weight_norm(params)
    return diagnose_reg_loss(loss - data_loss, term, params=params, reg=reg) or diagnose_reg_grads(
        grads, correct, params, reg, expected=correct
    )
