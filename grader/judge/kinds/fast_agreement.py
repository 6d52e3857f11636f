"""Kind `fast_agreement`: fast conv and max pool agree with the student's naive ones.

The fast functions are the submission's own when it defines them, else the
starter ones that travel with every Bundle; either way both run in the worker,
on the notebook's fast-layer inputs, forward and backward, as the notebook checks.
Both are also held to the course's own fast layers, run by the grader on the same
inputs: naive and fast layers that agree on something else (zeros, say) earn nothing.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from grader.judge import claims, expected, layer_io
from grader.judge.check_models import CheckBase, Strict
from grader.judge.compare import compare
from grader.judge.layers.cases import Case
from grader.judge.layers.registry import FAST_PAIRS, LAYERS
from grader.judge.student_calls import CheckContext, KitContext, MalformedResultError, Outcome
from grader.report.models import Figure


class FastAgreementParams(Strict):
    """Fast layers (the submission's own or the starter ones) against the student's naive ones."""

    tol: float = Field(default=1e-9, gt=0)
    num_inputs: int = Field(default=4, ge=1)  # N of the notebook's fast-layer inputs (it uses 100)


class FastAgreementCheck(CheckBase):
    kind: Literal["fast_agreement"]
    params: FastAgreementParams = FastAgreementParams()


CHECK = FastAgreementCheck  # the rubric entry this kind runs


def symbols(spec: FastAgreementCheck) -> list[str]:
    """The naive layers: the fast ones are always there (the submission's own or the starter's)."""
    return [s for naive, _ in FAST_PAIRS for s in LAYERS[naive].symbols("backward")]


def fast_case(naive: str, num_inputs: int) -> Case:
    """The notebook's fast-layer input of this naive layer, with N = num_inputs."""
    make = LAYERS[naive].fast_case
    assert make is not None, f"{naive} declares a fast twin but no fast-layer case"
    return make(num_inputs)


def precompute(spec: FastAgreementCheck, kit: KitContext) -> None:
    """Nothing: the course's fast layers are its yardstick: starter code, in the kit too."""


def run(spec: FastAgreementCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    metrics: dict[str, float | int | str | bool | None] = {}
    differences: list[float] = []
    problems: list[str] = []
    lines: list[str] = []
    for naive, fast in FAST_PAIRS:
        case = fast_case(naive, p.num_inputs)
        naive_out, _ = layer_io.forward(ctx.calls, naive, case)
        fast_out, _ = layer_io.forward(ctx.calls, fast, case)
        outputs = [("out", naive_out, fast_out)]
        grads = zip(
            layer_io.backward(ctx.calls, naive, case)[1],
            layer_io.backward(ctx.calls, fast, case)[1],
            strict=True,
        )
        outputs += [(name, a, b) for name, (a, b) in zip(LAYERS[naive].grads, grads, strict=True)]
        course = expected.course_fast_layer(naive, case.args(), case.dout)
        for (name, naive_value, fast_value), right in zip(outputs, course, strict=True):
            symbol = LAYERS[fast].forward if name == "out" else LAYERS[fast].backward
            # The fast layer is the yardstick here (usually it is the starter's, known to be right),
            # but it is still a value from the worker: it too goes through the door.
            try:
                yardstick = claims.array(fast_value, f"{symbol} {name}")
            except MalformedResultError as exc:
                problems.append(str(exc))
                continue
            verdict = compare(
                f"naive {name} (vs {symbol})", naive_value, yardstick, dtype=np.dtype(np.float64), tol=p.tol
            )
            metrics[f"{naive}_{name}_difference"] = verdict.error
            if np.isfinite(verdict.error):
                differences.append(verdict.error)
                lines.append(f"{symbol} {name} difference: {verdict.error}")
            if not verdict.ok:
                problems.append(verdict.message)
                continue
            tied = compare(f"{symbol} {name}", yardstick, right, dtype=np.dtype(np.float64), tol=p.tol)
            if not tied.ok:
                problems.append(f"naive and fast {name} agree, but not with the course's: {tied.message}")
    return Outcome.graded(
        0 if problems else 1,
        1,
        metrics=metrics,
        figures=[Figure(name="max difference", value=max(differences), threshold=p.tol, unit="error")]
        if differences
        else [],
        threshold=f"relative difference <= {p.tol:.0e}",
        message="\n".join(problems + lines),
    )
