"""Kind `initial_loss`: the net's loss and scores, checked against the reference on the same weights.

Two evaluations. At the student's own initialization it prints what the
notebook prints: without reg the loss is about ln(num_classes); with reg it is
the data loss plus exactly 0.5*reg*sum(W**2). Both figures are computed by the
grader from the student's parameters, read back after the first `loss` call
(a net may build them lazily). Then the grader sets weights large enough that
every layer matters and asks for the loss and the scores again: a net that
returns a constant loss, skips its ReLU or drops a layer differs from the
reference there, though it looks right at a tiny initialization.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from grader.judge import expected, model_io, probes
from grader.judge.check_models import CheckBase, ModelConfig, Strict
from grader.judge.compare import scaled_error
from grader.judge.diagnose import diagnose_model_loss, diagnose_reg_loss
from grader.judge.layers.cases import public_rng
from grader.judge.student_calls import CheckContext, KitContext, MalformedResultError, Outcome
from grader.judge.yardstick import available
from grader.report.models import Figure


class InitialLossParams(Strict):
    model: ModelConfig = ModelConfig()
    # Few inputs: a correct net built on the student's naive layers must answer within the time limit.
    num_inputs: int = Field(default=4, ge=1)
    reg: float = Field(ge=0)  # 0: loss ~ ln(num_classes); > 0: exactly loss0 + 0.5*reg*sum(W**2)
    tol: float = Field(default=0.05, gt=0)  # |loss - ln C| for reg 0 (absolute)
    reg_tol: float = Field(default=1e-6, gt=0)  # relative error of the reg term
    # |loss - reference loss| / max(1, |reference loss|) and the scores' scaled error, same weights
    reference_tol: float = Field(default=1e-6, gt=0)


class InitialLossCheck(CheckBase):
    kind: Literal["initial_loss"]
    params: InitialLossParams


CHECK = InitialLossCheck  # the rubric entry this kind runs


def symbols(spec: InitialLossCheck) -> list[str]:
    return [model_io.MODEL]


def precompute(spec: InitialLossCheck, kit: KitContext) -> None:
    config = spec.params.model.model_copy(update={"reg": spec.params.reg})
    model_io.precompute_probe(config, spec.id, spec.params.num_inputs, with_grads=False)


def run(spec: InitialLossCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    config = p.model.model_copy(update={"reg": p.reg})
    rng = public_rng(spec.id)
    X, y = probes.inputs(rng, config, p.num_inputs)
    try:
        net = model_io.evaluate(ctx.calls, config, X, y, rng)
        probe_scores = model_io.scores(ctx.calls, net.model, config, X)
    except MalformedResultError as exc:
        return Outcome.graded(0, 1, message=str(exc))

    loss, params, probe, probe_loss = net.loss, net.params, net.probe, net.probe_loss
    problems: list[str] = []
    metrics: dict[str, float | int | str | bool | None] = {"loss": loss}
    hint = None
    if p.reg == 0:
        sanity = math.log(config.num_classes)
        metrics["expected"] = sanity
        figure = f"Initial loss (no regularization): {loss}"
        if abs(loss - sanity) > p.tol:
            problems.append(f"the loss is {abs(loss - sanity):.3g} away from ln({config.num_classes})")
    else:
        # The rule is checked at the student's own initialization; the student kit has the
        # reference's data loss only at the grader's weights, and checks it there.
        data_loss = available(expected.model_loss_value, config, params, X, y, reg=0.0)
        weights, with_reg = params, loss
        if data_loss is None:
            weights, with_reg = probe, probe_loss
            data_loss = expected.model_loss_value(config, probe, X, y, reg=0.0)
        term = 0.5 * p.reg * expected.weight_norm(weights)
        term_error = abs((with_reg - data_loss) - term) / max(term, 1e-12)
        metrics["reg_term_error"] = term_error
        figure = f"Initial loss (with regularization): {loss}"
        if term_error > p.reg_tol:
            problems.append(f"the regularization term is off by {term_error:.2e} of its size")
            hint = diagnose_reg_loss(with_reg - data_loss, term, params=weights, reg=p.reg)

    # float32 nets agree with the float64 reference only to float32's precision.
    tol = p.reference_tol if config.dtype == "float64" else max(p.reference_tol, 1e-4)
    checked = {
        "at your initialization": (loss, available(expected.model_loss_value, config, params, X, y)),
        "with larger weights": (probe_loss, expected.model_loss_value(config, probe, X, y)),
    }
    off = {
        label: (got, want)
        for label, (got, want) in checked.items()
        if want is not None and abs(got - want) > tol * max(abs(want), 1.0)
    }
    problems += [
        f"loss {label} is {got:.6g}, the reference net gives {want:.6g} on the same weights"
        for label, (got, want) in off.items()
    ]
    if "with larger weights" in off:
        hint = hint or diagnose_model_loss(config, probe, X, y, probe_loss)
    scores_error = scaled_error(probe_scores, expected.model_scores(config, probe, X))
    metrics["scores_error"] = scores_error
    if scores_error > tol:
        problems.append(f"scores with larger weights differ from the reference net's by {scores_error:.2e}")
    return Outcome.graded(
        0 if problems else 1,
        1,
        metrics=metrics,
        figures=[Figure(name="loss", value=loss, unit="number")],
        threshold=(
            (
                f"|loss - ln({config.num_classes})| <= {p.tol:g}"
                if p.reg == 0
                else f"loss = data loss + 0.5*reg*sum(W**2) within {p.reg_tol:g}"
            )
            + f"; loss and scores equal the reference net's on the same weights within {tol:g}"
        ),
        message="\n".join([figure, *problems]),
        hint=hint,
    )
