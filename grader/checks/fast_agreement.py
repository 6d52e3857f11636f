"""Kind `fast_agreement`: fast conv and max pool agree with the student's naive ones.

The fast functions are the submission's own when it defines them, else the
starter ones that travel with every Bundle; either way both run in the worker,
on the notebook's fast-layer inputs, forward and backward, as the notebook checks.
Both are also held to the course's own fast layers, run by the grader on the same
inputs: naive and fast layers that agree on something else (zeros, say) earn nothing.
"""

from __future__ import annotations

import numpy as np

from grader.checks import claims, expected, layer_io
from grader.checks.base import CheckContext, MalformedResultError, Outcome
from grader.checks.cases import fast_conv_case, fast_pool_case
from grader.checks.compare import compare
from grader.rubric import FastAgreementCheck

# (naive layer, fast layer) in the order the notebook tests them.
PAIRS = (("conv", "conv_fast"), ("max_pool", "max_pool_fast"))


def symbols(spec: FastAgreementCheck) -> list[str]:
    """The naive layers: the fast ones are always there (the submission's own or the starter's)."""
    return [s for naive, _ in PAIRS for s in layer_io.LAYERS[naive][:2]]


def run(spec: FastAgreementCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    metrics: dict[str, float | int | str | bool | None] = {}
    problems: list[str] = []
    lines: list[str] = []
    for naive, fast in PAIRS:
        case = fast_conv_case(p.num_inputs) if naive == "conv" else fast_pool_case(p.num_inputs)
        naive_out, _ = layer_io.forward(ctx.calls, naive, case)
        fast_out, _ = layer_io.forward(ctx.calls, fast, case)
        outputs = [("out", naive_out, fast_out)]
        grads = zip(
            layer_io.backward(ctx.calls, naive, case)[1],
            layer_io.backward(ctx.calls, fast, case)[1],
            strict=True,
        )
        outputs += [(name, a, b) for name, (a, b) in zip(layer_io.LAYERS[naive][2], grads, strict=True)]
        course = expected.course_fast_layer(naive, layer_io.forward_args(case), case.dout)
        for (name, naive_value, fast_value), right in zip(outputs, course, strict=True):
            symbol = layer_io.LAYERS[fast][0 if name == "out" else 1]
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
        threshold=f"relative difference <= {p.tol:.0e}",
        message="\n".join(problems + lines),
    )
