"""Kind `reference_match`: a naive layer's outputs against the reference's, case by case.

The public variant runs the notebook's own case and reports the error the
notebook prints; the hidden variant runs seeded random cases and gives credit
in proportion to the cases passed. A failing case is handed to the diagnosis.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grader.isolate import StudentFailure
from grader.judge import diagnose, expected, layer_io
from grader.judge.check_models import Cases, CheckBase, Strict
from grader.judge.compare import common_tolerance, compare, tolerance
from grader.judge.layers.cases import Case, seeded_rng
from grader.judge.layers.registry import LAYERS, check_layer
from grader.judge.student_calls import (
    CheckContext,
    KitContext,
    MalformedResultError,
    Outcome,
    cases_figure,
    failure_message,
)
from grader.report.models import Figure, Status
from reference.gradient_check import rel_error


class ReferenceMatchParams(Strict):
    """Compare a student's layer with the reference on the notebook's case or on seeded random cases."""

    layer: str  # a name in grader.judge.layers.registry.LAYERS
    direction: Literal["forward", "backward"]
    cases: Cases
    num_cases: int = Field(default=1, ge=1, le=100)  # hidden cases; the public case is always one
    tol: float = Field(default=1e-7, gt=0)  # relative error for float64 inputs
    tol_float32: float = Field(default=1e-4, gt=0)

    @model_validator(mode="after")
    def _layer_has_the_cases(self) -> ReferenceMatchParams:
        if self.cases == "hidden":
            check_layer(self.layer, needs="hidden")
        elif self.direction not in check_layer(self.layer).public:
            raise ValueError(f"layer {self.layer!r} has no notebook case for its {self.direction} pass")
        return self


class ReferenceMatchCheck(CheckBase):
    kind: Literal["reference_match"]
    params: ReferenceMatchParams


CHECK = ReferenceMatchCheck  # the rubric entry this kind runs


def symbols(spec: ReferenceMatchCheck) -> list[str]:
    return LAYERS[spec.params.layer].symbols(spec.params.direction)


def make_cases(spec: ReferenceMatchCheck, ctx: CheckContext | None) -> list[Case]:
    """The notebook's case (public; no context needed) or the seeded hidden ones."""
    p = spec.params
    layer = LAYERS[p.layer]
    if p.cases == "public":
        return [layer.public[p.direction]()]
    assert ctx is not None and ctx.secret is not None, "hidden checks run only with a secret"
    assert layer.hidden is not None, "the rubric's loader accepts hidden checks of layers with hidden cases"
    return layer.hidden(seeded_rng(ctx.secret, ctx.submission_sha256, spec.id), p.num_cases)


def precompute(spec: ReferenceMatchCheck, kit: KitContext) -> None:
    """The notebook's case and what its diagnosis asks (the kit runs public checks only)."""
    (case,) = make_cases(spec, None)
    diagnose.precompute(spec.params.layer, spec.params.direction, case)


def run(spec: ReferenceMatchCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    public = p.cases == "public"
    cases = make_cases(spec, ctx)
    layer = LAYERS[p.layer]
    failures: list[tuple[Case, object]] = []
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
        names = ("out",) if p.direction == "forward" else layer.grads
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
    max_error = max(errors) if errors else None
    metrics: dict[str, float | int | str | bool | None] = {
        "cases": len(cases),
        "cases_passed": passed,
        "max_rel_error": max_error,
    }
    shown = common_tolerance((case.x.dtype for case in cases), p.tol, p.tol_float32)
    error = Figure(name="rel_error", value=max_error, threshold=shown, unit="error")
    hint = None
    if failures or crashed:
        probe = layer_io.probe(ctx.calls, p.layer, p.direction)
        answered = [f for f in failures if f[1] is not None]
        hint = diagnose.diagnose_layer(p.layer, p.direction, answered, probe=probe)
        from_crashes = (diagnose.diagnose_failure(p.layer, p.direction, m) for m in crashed)
        hint = hint or next(filter(None, from_crashes), None)
    if len(crashed) == len(cases):
        return Outcome(
            Status.error,
            metrics=metrics,
            figures=[*cases_figure(passed, len(cases)), error],
            threshold=threshold,
            message=problems[0],
            hint=hint,
        )
    if public and p.direction == "forward" and not problems and layer.published_forward is not None:
        # The notebook prints the error against its published 8-digit output, not the exact one.
        notebook = rel_error(np.asarray(student), layer.published_forward)
        metrics["notebook_rel_error"] = notebook
        error = Figure(name="notebook", value=notebook, unit="error")  # shown; the exact error is judged
    if public and not problems:
        message = _notebook_lines(spec, errors, metrics, student)
    else:
        message = "\n".join(problems)
    return Outcome.graded(
        passed,
        len(cases),
        metrics=metrics,
        figures=[*cases_figure(passed, len(cases)), error],
        threshold=threshold,
        message=message,
        hint=hint,
    )


def _notebook_lines(spec: ReferenceMatchCheck, errors: list[float], metrics: dict, student: object) -> str:
    """What the notebook prints for this cell (`student`: the forward's out on the case)."""
    p = spec.params
    layer = LAYERS[p.layer]
    if p.direction == "backward":
        lines = (f"{n} error: {e}" for n, e in zip(layer.grads, errors, strict=True))
        return f"Testing {layer.backward}\n" + "\n".join(lines)
    lines = [f"Testing {layer.forward}"]
    if "notebook_rel_error" in metrics:
        figure = metrics["notebook_rel_error"]
        lines.append(f"difference: {figure}  (the notebook's figure; exactly: {errors[0]:.1e})")
    else:
        lines.append(f"relative error: {errors[0]:.1e}")
    if layer.figures is not None:
        lines.append(layer.figures(np.asarray(student, dtype=np.float64)))
    return "\n".join(lines)
