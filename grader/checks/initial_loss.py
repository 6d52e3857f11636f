"""Kind `initial_loss`: the untrained net's loss, without and with regularization.

Without reg the loss of small random weights is about ln(num_classes). With
reg it must be exactly loss0 + 0.5*reg*sum(W**2), where loss0 is the student's
own reg-free loss on the very same parameters: the init RNG cannot matter.
"""

from __future__ import annotations

import math

from grader.checks import model_io
from grader.checks.base import CheckContext, Outcome
from grader.checks.cases import public_rng
from grader.checks.diagnose import diagnose_reg_loss
from grader.rubric import InitialLossCheck


def symbols(spec: InitialLossCheck) -> list[str]:
    return [model_io.MODEL]


def run(spec: InitialLossCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    X, y = model_io.inputs(public_rng(spec.id), p.model, p.num_inputs)
    if p.reg == 0:
        loss = model_io.loss_value(ctx.calls, model_io.build(ctx.calls, p.model, seed=0, reg=0.0), X, y)
        expected = math.log(p.model.num_classes)
        ok = abs(loss - expected) <= p.tol
        return Outcome.graded(
            int(ok),
            1,
            metrics={"loss": loss, "expected": expected},
            threshold=f"|loss - ln({p.model.num_classes})| <= {p.tol:g}",
            message=f"Initial loss (no regularization): {loss}",
        )
    with_reg = model_io.build(ctx.calls, p.model, seed=0, reg=p.reg)
    params = ctx.calls.get_attr(with_reg, "params")
    loss_reg = model_io.loss_value(ctx.calls, with_reg, X, y)
    loss0 = model_io.loss_without_reg(ctx.calls, p.model, params, X, y)
    term = 0.5 * p.reg * model_io.weight_norm(params)
    error = abs((loss_reg - loss0) - term) / max(term, 1e-12)
    ok = error <= p.reg_tol
    return Outcome.graded(
        int(ok),
        1,
        metrics={"loss": loss_reg, "loss_without_reg": loss0, "reg_term_error": error},
        threshold=f"loss = loss0 + 0.5*reg*sum(W**2) within {p.reg_tol:g} (relative, of the reg term)",
        message=f"Initial loss (with regularization): {loss_reg}"
        + ("" if ok else f"\nthe regularization term is off by {error:.2e} of its size"),
        hint=None if ok else diagnose_reg_loss(loss_reg - loss0, term),
    )
