"""Kind `reference_match`: a naive layer's outputs against the reference's, case by case.

The public variant runs the notebook's own case and reports the error the
notebook prints; the hidden variant runs seeded random cases and gives credit
in proportion to the cases passed. A failing case is handed to the diagnosis.
"""

from __future__ import annotations

import numpy as np

from grader.checks import expected, layer_io
from grader.checks.base import CheckContext, MalformedResultError, Outcome, failure_message
from grader.checks.cases import (
    ConvCase,
    PoolCase,
    conv_backward_public,
    conv_forward_public,
    conv_hidden,
    max_pool_backward_public,
    max_pool_forward_public,
    pool_hidden,
    seeded_rng,
)
from grader.checks.compare import compare, tolerance
from grader.checks.diagnose import diagnose_failure, diagnose_layer
from grader.report import Status
from grader.rubric import ReferenceMatchCheck
from grader.sandbox import StudentFailure
from reference.gradient_check import rel_error


def symbols(spec: ReferenceMatchCheck) -> list[str]:
    forward, backward, _ = layer_io.LAYERS[spec.params.layer]
    return [forward] if spec.params.direction == "forward" else [forward, backward]


def make_cases(spec: ReferenceMatchCheck, ctx: CheckContext) -> list[ConvCase] | list[PoolCase]:
    p = spec.params
    if p.cases == "public":
        public = {
            ("conv", "forward"): conv_forward_public,
            ("conv", "backward"): conv_backward_public,
            ("max_pool", "forward"): max_pool_forward_public,
            ("max_pool", "backward"): max_pool_backward_public,
        }[(p.layer, p.direction)]
        return [public()]  # type: ignore[return-value]
    assert ctx.secret is not None, "hidden checks run only with a secret"
    rng = seeded_rng(ctx.secret, ctx.submission_sha256, spec.id)
    return conv_hidden(rng, p.num_cases) if p.layer == "conv" else pool_hidden(rng, p.num_cases)


def run(spec: ReferenceMatchCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    public = p.cases == "public"
    cases = make_cases(spec, ctx)
    failures: list[tuple[ConvCase | PoolCase, object]] = []
    problems: list[str] = []
    errors: list[float] = []
    crashed: list[str] = []  # the crashed cases' error texts (for the diagnosis, never shown hidden)
    for number, case in enumerate(cases, start=1):
        where = "" if public else f"case {number}/{len(cases)}: "
        try:
            if p.direction == "forward":
                out, _ = layer_io.forward(ctx.calls, p.layer, case)
                student: object = out
            else:
                student = layer_io.backward(ctx.calls, p.layer, case)[1]
        except StudentFailure as failure:
            if failure.status == Status.timeout:
                raise  # one hung case would hang the others: the whole check times out
            crashed.append(failure.message)
            problems.append(where + failure_message(failure, ctx.calls, hidden=not public))
            continue
        except MalformedResultError as exc:
            problems.append(f"{where}{exc}")
            failures.append((case, None))
            continue
        correct = expected.correct_output(p.layer, p.direction, case)
        tol = tolerance(case.x.dtype, p.tol, p.tol_float32)
        names = ("out",) if p.direction == "forward" else layer_io.LAYERS[p.layer][2]
        actual_parts = (student,) if p.direction == "forward" else student
        expected_parts = correct if isinstance(correct, tuple) else (correct,)
        verdicts = [
            compare(name, a, np.asarray(e), dtype=case.x.dtype, tol=tol, reveal=public)
            for name, a, e in zip(names, actual_parts, expected_parts, strict=True)  # type: ignore[arg-type]
        ]
        errors.extend(v.error for v in verdicts)
        bad = [v.message for v in verdicts if not v.ok]
        if bad:
            problems.append(where + "; ".join(bad))
            # The diagnosis compares whole outputs: a lone dx, or the (dx, dw, db) tuple.
            failures.append((case, student[0] if len(names) == 1 and p.direction == "backward" else student))
    passed = len(cases) - len(failures) - len(crashed)
    threshold = f"relative error <= {p.tol:.0e} (float64)" + (
        "" if public else f", {p.tol_float32:.0e} (float32)"
    )
    metrics: dict[str, float | int | str | bool | None] = {
        "cases": len(cases),
        "cases_passed": passed,
        "max_rel_error": max(errors) if errors else None,
    }
    hint = None
    if failures or crashed:
        probe = layer_io.probe(ctx.calls, p.layer, p.direction)
        hint = diagnose_layer(p.layer, p.direction, [f for f in failures if f[1] is not None], probe=probe)
        hint = hint or next(filter(None, (diagnose_failure(p.layer, p.direction, m) for m in crashed)), None)
    if len(crashed) == len(cases):
        return Outcome(Status.error, metrics=metrics, threshold=threshold, message=problems[0], hint=hint)
    if public and p.direction == "forward" and not problems:
        # The notebook prints the error against its published 8-digit output, not the exact one.
        metrics["notebook_rel_error"] = rel_error(np.asarray(student), expected.published_output(p.layer))
    message = _notebook_lines(spec, errors, metrics) if public and not problems else "\n".join(problems)
    return Outcome.graded(
        passed, len(cases), metrics=metrics, threshold=threshold, message=message, hint=hint
    )


def _notebook_lines(spec: ReferenceMatchCheck, errors: list[float], metrics: dict) -> str:
    """What the notebook prints for this cell."""
    p = spec.params
    symbol = layer_io.LAYERS[p.layer][0 if p.direction == "forward" else 1]
    if p.direction == "forward":
        figure, exact = metrics["notebook_rel_error"], errors[0]
        return f"Testing {symbol}\ndifference: {figure}  (the notebook's figure; exactly: {exact:.1e})"
    names = layer_io.LAYERS[p.layer][2]
    return f"Testing {symbol}\n" + "\n".join(f"{n} error: {e}" for n, e in zip(names, errors, strict=True))
