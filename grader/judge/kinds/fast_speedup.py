"""Kind `fast_speedup`: how much faster the submission's own fast layers are than naive ones.

Timed by the grader's clock only. Each round runs the reference's naive layer
in the grader's process and the student's fast layer in the worker (the round
trip of the call, as the grader measures it), alternately, so a burst of load
slows both alike; the verdict compares medians. The yardstick is the
reference's naive layer on the same inputs, never the student's: a naive layer
that slows itself down while it is timed gains nothing.

The check applies only to fast layers the submission wrote. The course hands
out its fast layers, and timing those would give points for nothing.
"""

from __future__ import annotations

import statistics
from typing import Literal

from pydantic import Field

from grader.judge import expected
from grader.judge.check_models import CheckBase, Strict
from grader.judge.kinds.fast_agreement import fast_case
from grader.judge.layers.cases import Case
from grader.judge.layers.registry import FAST_PAIRS, LAYERS
from grader.judge.student_calls import CheckContext, KitContext, Outcome
from grader.report.models import Figure, Status


class FastSpeedupParams(Strict):
    """Median speedup of fast over naive, timed alternately in the same worker."""

    min_speedup: float = Field(default=2.0, gt=0)  # every one of the four speedups must reach it
    repeats: int = Field(default=5, ge=1, le=50)
    num_inputs: int = Field(default=10, ge=1)  # the ratio barely depends on N; naive loops are slow


class FastSpeedupCheck(CheckBase):
    kind: Literal["fast_speedup"]
    params: FastSpeedupParams = FastSpeedupParams()


CHECK = FastSpeedupCheck  # the rubric entry this kind runs


def symbols(spec: FastSpeedupCheck) -> list[str]:
    return []  # whichever fast layers the submission defines; none: the check does not apply


def precompute(spec: FastSpeedupCheck, kit: KitContext) -> None:
    """Nothing: the kit does not time fast layers (it has no naive ones)."""


def run(spec: FastSpeedupCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    if not expected.full():
        return Outcome(
            Status.skipped,
            applies=False,
            message="not checked by the student kit: it has no naive layers to time yours against",
        )
    metrics: dict[str, float | int | str | bool | None] = {}
    figures: list[Figure] = []
    slow: list[str] = []
    timed: list[str] = []
    for naive, fast in FAST_PAIRS:
        case = fast_case(naive, p.num_inputs)
        forward_symbol, backward_symbol = LAYERS[fast].forward, LAYERS[fast].backward
        own = [s for s in (forward_symbol, backward_symbol) if s in ctx.defined]
        if not own:
            continue
        reference_s, student_s = _alternate(ctx, naive, case, forward_symbol, backward_symbol, p.repeats)
        for symbol, direction in ((forward_symbol, "forward"), (backward_symbol, "backward")):
            if symbol not in own:
                continue
            timed.append(symbol)
            speedup = reference_s[direction] / max(student_s[direction], 1e-9)
            metrics[f"{symbol}_speedup"] = speedup
            name = symbol.removesuffix("_fast")
            figures.append(Figure(name=name, value=speedup, threshold=p.min_speedup, unit="speedup"))
            metrics[f"{symbol}_s"] = student_s[direction]
            metrics[f"reference_naive_{naive}_{direction}_s"] = reference_s[direction]
            if speedup < p.min_speedup:
                slow.append(f"{symbol} is only {speedup:.1f}x faster than a naive {naive} {direction} pass")
    if not timed:
        return Outcome(
            Status.skipped,
            applies=False,
            message="not applicable: the submission uses the course's fast layers, it wrote none to time",
        )
    return Outcome(
        Status.failed if slow else Status.passed,
        fraction=0.0 if slow else 1.0,
        metrics=metrics,
        figures=figures,
        threshold=f"speedup >= {p.min_speedup:g}x over the reference's naive layer (median of {p.repeats})",
        # Times and speedups live in the metrics (comparable() ignores them): the message must not
        # change between two gradings of the same submission.
        message="\n".join(slow)
        or f"your fast layers ({', '.join(timed)}) are at least {p.min_speedup:g}x faster",
    )


def _alternate(
    ctx: CheckContext, naive: str, case: Case, forward_symbol: str, backward_symbol: str, repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds of the reference naive layer and of the student's fast one, per direction."""
    reference: dict[str, list[float]] = {"forward": [], "backward": []}
    student: dict[str, list[float]] = {"forward": [], "backward": []}
    for round_ in range(repeats + 1):  # the first round warms both up and is not counted
        naive_forward_s, naive_backward_s = expected.naive_pass(naive, case)
        (_, handle), forward_s = ctx.calls.call_timed(forward_symbol, *case.args(), keep=(1,))
        _, backward_s = ctx.calls.call_timed(backward_symbol, case.dout, handle)
        if round_:
            reference["forward"].append(naive_forward_s)
            reference["backward"].append(naive_backward_s)
            student["forward"].append(forward_s)
            student["backward"].append(backward_s)
    median = {k: statistics.median(v) for k, v in reference.items()}
    return median, {k: statistics.median(v) for k, v in student.items()}
