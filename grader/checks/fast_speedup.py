"""Kind `fast_speedup`: how much faster the fast layers are than the student's naive ones.

Naive and fast calls alternate in one worker (the `time_calls` op) and the
verdict uses the median time of each, so a burst of load on a shared machine
slows both alike instead of flipping the result.
"""

from __future__ import annotations

from typing import Any

from grader.checks import fast_agreement, layer_io
from grader.checks.base import CheckContext, Outcome
from grader.checks.cases import fast_conv_case, fast_pool_case
from grader.checks.fast_agreement import PAIRS
from grader.report import Status
from grader.rubric import FastSpeedupCheck


def symbols(spec: FastSpeedupCheck) -> list[str]:
    return fast_agreement.symbols(spec)  # type: ignore[arg-type]


def run(spec: FastSpeedupCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    calls: list[dict[str, Any]] = []
    labels: list[tuple[str, str]] = []  # (function timed by the naive call, its fast twin)
    for naive, fast in PAIRS:
        case = fast_conv_case(p.num_inputs) if naive == "conv" else fast_pool_case(p.num_inputs)
        args = layer_io.forward_args(case)
        caches = {layer: layer_io.forward(ctx.calls, layer, case)[1] for layer in (naive, fast)}
        for direction in (0, 1):
            for layer in (naive, fast):
                symbol = layer_io.LAYERS[layer][direction]
                calls.append(
                    {"symbol": symbol, "args": args if direction == 0 else [case.dout, caches[layer]]}
                )
            labels.append((layer_io.LAYERS[naive][direction], layer_io.LAYERS[fast][direction]))
    timing = ctx.calls.op("time_calls", calls=calls, repeats=p.repeats)
    medians = [float(t) for t in timing["median_s"]]
    metrics: dict[str, float | int | str | bool | None] = {}
    slow: list[str] = []
    for i, (naive_symbol, fast_symbol) in enumerate(labels):
        naive_s, fast_s = medians[2 * i], medians[2 * i + 1]
        speedup = naive_s / max(fast_s, 1e-9)
        metrics[f"{fast_symbol}_speedup"] = speedup
        metrics[f"{naive_symbol}_s"] = naive_s
        metrics[f"{fast_symbol}_s"] = fast_s
        # Only the submission's own fast layers are judged: against the starter ones a student's
        # well-vectorized "naive" layer may even win on small inputs, and that is no fault.
        if speedup < p.min_speedup and fast_symbol in ctx.defined:
            slow.append(f"{fast_symbol} is only {speedup:.1f}x faster than {naive_symbol}")
    status = Status.failed if slow else Status.passed
    return Outcome(
        status,
        fraction=0.0 if slow else 1.0,
        metrics=metrics,
        threshold=f"own fast layers: speedup >= {p.min_speedup:g}x (medians of {p.repeats} runs)",
        # Times and speedups live in the metrics (comparable() ignores them): the message must not
        # change between two gradings of the same submission.
        message="\n".join(slow) or _verdict(ctx, p.min_speedup),
    )


def _verdict(ctx: CheckContext, min_speedup: float) -> str:
    own = [s for _, fast in PAIRS for s in layer_io.LAYERS[fast][:2] if s in ctx.defined]
    if not own:
        return "the starter's fast layers were timed against yours (not judged): speedups in the metrics"
    return f"your fast layers ({', '.join(own)}) are at least {min_speedup:g}x faster than naive"
