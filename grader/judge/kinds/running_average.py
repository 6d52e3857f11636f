"""Kind `running_average`: train-mode passes keep running averages, test mode normalizes with them.

The assignment's API writes the running mean and variance into the `bn_param` dict the caller
passes, and a test-mode call reads them from there. The worker makes each train-mode call and hands
back the dict as the student's code left it (`forward_with_param`); the grader checks the averages
against the reference's after the same batches, feeds the student's own dict to the next call, and
judges the test-mode output against the reference's test-mode output with the reference's averages.
A forward that forgets to store them fails here, whatever its train-mode output.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from grader.judge import claims, expected
from grader.judge.check_models import Cases, CheckBase, Strict
from grader.judge.compare import common_tolerance, compare, tolerance
from grader.judge.layers.cases import NormCase, norm_batches, seeded_rng, spatial_batchnorm_test_mode_public
from grader.judge.layers.registry import LAYERS, LayerSpec, check_layer
from grader.judge.student_calls import CheckContext, KitContext, MalformedResultError, Outcome, cases_figure
from grader.report.models import Figure

AVERAGES = ("running_mean", "running_var")
NOT_STORED = "spatial_bn_running_not_stored"


class RunningAverageParams(Strict):
    """Train-mode passes write running averages into the caller's param dict; test mode uses them.

    Public: the notebook's cell (50 training batches, then one test batch). Hidden: seeded random
    shapes, eps and momentum, `passes` training batches each.
    """

    layer: str
    cases: Cases
    num_cases: int = Field(default=2, ge=1, le=20)  # hidden sequences
    passes: int = Field(default=5, ge=1, le=100)  # hidden: train-mode batches before the test one
    tol: float = Field(default=1e-7, gt=0)
    tol_float32: float = Field(default=1e-4, gt=0)

    @model_validator(mode="after")
    def _layer_keeps_running_averages(self) -> RunningAverageParams:
        check_layer(self.layer, needs="running_averages")
        if self.cases == "hidden":
            check_layer(self.layer, needs="hidden")
        return self


class RunningAverageCheck(CheckBase):
    kind: Literal["running_average"]
    params: RunningAverageParams


CHECK = RunningAverageCheck  # the rubric entry this kind runs


def symbols(spec: RunningAverageCheck) -> list[str]:
    return LAYERS[spec.params.layer].symbols("forward")


def sequences(spec: RunningAverageCheck, ctx: CheckContext | None) -> list[tuple[NormCase, list[np.ndarray]]]:
    """(the test-mode case, the train-mode batches before it): the notebook's, or seeded ones."""
    p = spec.params
    if p.cases == "public":
        return [spatial_batchnorm_test_mode_public()]
    assert ctx is not None and ctx.secret is not None, "hidden checks run only with a secret"
    layer = LAYERS[p.layer]
    assert layer.hidden is not None, "the rubric's loader accepts hidden checks of layers with hidden cases"
    rng = seeded_rng(ctx.secret, ctx.submission_sha256, spec.id)
    made: list[Any] = layer.hidden(rng, p.num_cases)
    return [(case, norm_batches(rng, case, p.passes)) for case in made]


def precompute(spec: RunningAverageCheck, kit: KitContext) -> None:
    """The reference's averages and test-mode output on the notebook's cell."""
    for case, batches in sequences(spec, None):
        expected.running_averages(spec.params.layer, case, batches)


def run(spec: RunningAverageCheck, ctx: CheckContext) -> Outcome:
    p = spec.params
    public = p.cases == "public"
    layer = LAYERS[p.layer]
    problems: list[str] = []
    errors: list[float] = []
    hint = None
    runs = sequences(spec, ctx)
    passed = 0
    figures = ""
    for number, (case, batches) in enumerate(runs, start=1):
        where = "" if public else f"case {number}/{len(runs)}: "
        want = expected.running_averages(p.layer, case, batches)
        tol = tolerance(case.x.dtype, p.tol, p.tol_float32)
        try:
            param = _train(ctx, layer, case, batches)
            missing = [k for k in AVERAGES if k not in param]
            if missing:
                problems.append(
                    f"{where}after {len(batches)} train-mode calls bn_param has no {' or '.join(missing)}: "
                    f"{layer.forward} must store the running averages in the bn_param it is given"
                )
                hint = layer.hints.get(NOT_STORED)
                continue
            verdicts = [
                compare(f"bn_param['{k}']", param[k], want[k], dtype=case.x.dtype, tol=tol, reveal=public)
                for k in AVERAGES
            ]
            out = _call(ctx, layer, case.x, case, {**param, "mode": "test"})[0]
            test_mode = compare("test-mode out", out, want["out"], dtype=case.x.dtype, tol=tol, reveal=public)
            verdicts.append(test_mode)
        except MalformedResultError as exc:
            problems.append(f"{where}{exc}")
            continue
        errors.extend(v.error for v in verdicts)
        bad = [v.message for v in verdicts if not v.ok]
        if bad:
            problems.append(where + "; ".join(bad))
            if not verdicts[0].ok and _never_moved(param, case):
                hint = layer.hints.get(NOT_STORED)
        else:
            passed += 1
            if public and layer.figures is not None:
                figures = layer.figures(np.asarray(out, dtype=np.float64))
    max_error = max(errors) if errors else None
    metrics: dict[str, float | int | str | bool | None] = {
        "cases": len(runs),
        "cases_passed": passed,
        "max_rel_error": max_error,
    }
    shown = common_tolerance((case.x.dtype for case, _ in runs), p.tol, p.tol_float32)
    figures = [
        *cases_figure(passed, len(runs)),
        Figure(name="rel_error", value=max_error, threshold=shown, unit="error"),
    ]
    if public and not problems:
        message = f"After {len(runs[0][1])} training batches, in test mode:\n{figures}"
    else:
        message = "\n".join(problems)
    return Outcome.graded(
        passed,
        len(runs),
        metrics=metrics,
        figures=figures,
        threshold=f"relative error <= {p.tol:.0e} (float64) of the running averages and the test-mode out",
        message=message,
        hint=hint,
    )


def _call(
    ctx: CheckContext, layer: LayerSpec, x: np.ndarray, case: NormCase, param: dict
) -> tuple[Any, dict]:
    """One forward call in the worker: (out, the param dict as the student's code left it)."""
    args = [x, case.gamma, case.beta, param]
    out, after = claims.items(
        ctx.calls.op("forward_with_param", symbol=layer.forward, args=args, index=3), 2, f"{layer.forward}:"
    )
    if not isinstance(after, dict):
        raise MalformedResultError(f"{layer.forward}: bn_param came back as {type(after).__name__}")
    return out, after


def _train(ctx: CheckContext, layer: LayerSpec, case: NormCase, batches: list[np.ndarray]) -> dict[str, Any]:
    """The student's bn_param after the train-mode passes, each fed the dict the last one left."""
    param: dict[str, Any] = dict(case.param)
    for x in batches:
        _, after = _call(ctx, layer, x, case, param)
        param = {k: after[k] for k in after if isinstance(k, str)}
        param["mode"] = "train"
    for k in AVERAGES:
        if k in param:
            param[k] = claims.array(param[k], f"bn_param['{k}']", shape=(case.x.shape[1],))
    return param


def _never_moved(param: dict[str, Any], case: NormCase) -> bool:
    """The averages are still what a first call starts from (zeros, ones): never written back."""
    C = case.x.shape[1]
    return any(np.array_equal(param["running_mean"], start) for start in (np.zeros(C), np.ones(C)))

