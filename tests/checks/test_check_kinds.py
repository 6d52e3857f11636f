"""Every check kind against a student in the test's own process (no worker): a correct one passes,
malformed values fail with a message and never raise, and lying helpers gain nothing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fake_student import context, reference_student

from grader.export.figures import headline
from grader.judge.diagnose import BUGS
from grader.judge.rubric import load_rubric
from grader.report import migrations
from grader.report.models import CheckResult, Status
from grader.run.grade import run_check
from reference import fast_layers
from reference.cnn import ThreeLayerConvNet

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = load_rubric(ROOT / "rubrics" / "convnet.toml")
SPECS = {spec.id: spec for spec in RUBRIC.checks}
# Every check these tests can run in-process (training and timing have their own tests).
RUN = [spec.id for spec in RUBRIC.checks if spec.kind not in ("train", "fast_speedup")]


def run(check_id: str, student: dict[str, Any], spec: Any = None, **worker: Any) -> CheckResult:
    """The check as grading runs it (`run_check`: the student's exceptions become statuses)."""
    return run_check(spec or SPECS[check_id], context(student, secret="s", **worker))


def with_fast_layers(student: dict[str, Any]) -> dict[str, Any]:
    names = ["conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast", "max_pool_backward_fast"]
    return {**student, **{name: getattr(fast_layers, name) for name in names}}


@pytest.mark.parametrize("check_id", RUN)
def test_the_reference_as_a_student_passes_every_check(check_id):
    outcome = run(check_id, with_fast_layers(reference_student()))
    assert outcome.status == Status.passed, outcome.message
    assert outcome.points == outcome.max_points and outcome.hint is None


@pytest.mark.parametrize("check_id", RUN)
def test_each_kind_makes_the_figures_its_metrics_were_shown_by(check_id):
    """The kind's own figures read as the views read the metrics before figures existed (the
    migration of older reports keeps that reading), and those it judges by carry a threshold."""
    result = run(check_id, with_fast_layers(reference_student()))
    derived = CheckResult.model_validate(
        result.model_dump() | {"figures": migrations.figures_from_metrics(result.metrics)}
    )
    assert headline(result) == headline(derived)
    judged = [f for f in result.figures if f.unit in ("cases", "speedup")]
    assert all(f.threshold is not None for f in judged)


# What the protocol can deliver from a student's function: plain data of every wrong kind.
MALFORMED = {
    "None": None,
    "str": "abc",
    "lone surrogate": "\ud800",
    "huge int": 10**400,
    "nan": float("nan"),
    "inf array": np.array([np.inf]),
    "nan array": np.full((2, 3, 2, 2), np.nan),
    "ragged list": [[1, 2], [3]],
    "dict": {"a": 1},
    "bool": True,
    "empty tuple": (),
}


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("check_id", [c for c in RUN if SPECS[c].kind != "cnn_init"])
def test_every_layer_and_model_function_returning_garbage_fails_with_a_message(check_id, value):
    student = with_fast_layers(reference_student())
    for name in list(student):
        if name != "ThreeLayerConvNet":
            student[name] = lambda *args, **kwargs: value

    class GarbageLoss(ThreeLayerConvNet):
        def loss(self, X, y=None):  # noqa: ARG002
            return value

    student["ThreeLayerConvNet"] = GarbageLoss
    outcome = run(check_id, student)
    assert outcome.status in (Status.failed, Status.error)
    assert outcome.points == 0 and outcome.message


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("check_id", ["cnn_init.shapes", "initial_loss.no_reg", "cnn_gradient.reg"])
def test_params_or_grads_of_the_wrong_kind_fail_with_a_message(check_id, value):
    class Broken(ThreeLayerConvNet):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.params["W2"] = value

    class BrokenGrads(ThreeLayerConvNet):
        def loss(self, X, y=None):
            out = super().loss(X, y)
            return out if y is None else (out[0], {**out[1], "b1": value})

    for net in (Broken, BrokenGrads):
        if net is BrokenGrads and check_id == "cnn_init.shapes":
            continue
        outcome = run(check_id, {"ThreeLayerConvNet": net})
        assert outcome.status in (Status.failed, Status.error) and outcome.points == 0, outcome.message


def test_params_that_are_all_none_earn_nothing_for_the_net():
    class NoneParams(ThreeLayerConvNet):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.params = dict.fromkeys(self.params)

    for check_id in ["cnn_init.shapes", "initial_loss.no_reg", "initial_loss.reg", "cnn_gradient.no_reg"]:
        assert run(check_id, {"ThreeLayerConvNet": NoneParams}).points == 0


def test_weights_at_the_wrong_scale_or_nonzero_biases_fail_cnn_init():
    class Loud(ThreeLayerConvNet):
        def __init__(self, weight_scale=1e-3, **kwargs):
            super().__init__(weight_scale=100 * weight_scale, **kwargs)

    class Biased(ThreeLayerConvNet):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.params["b2"] = self.params["b2"] + 0.1

    assert "expected about weight_scale" in run("cnn_init.shapes", {"ThreeLayerConvNet": Loud}).message
    assert "b2 should start at zero" in run("cnn_init.shapes", {"ThreeLayerConvNet": Biased}).message


class ConstantLoss(ThreeLayerConvNet):
    """What the notebook expects at initialization, without computing any scores."""

    def loss(self, X, y=None):
        C = self.params["b3"].shape[0]
        if y is None:
            return np.zeros((len(X), C))
        weights = [self.params[k] for k in ("W1", "W2", "W3")]
        loss = math.log(C) + 0.5 * self.reg * sum(float(np.sum(W * W)) for W in weights)
        return loss, {k: (self.reg * v if k[0] == "W" else np.zeros_like(v)) for k, v in self.params.items()}


@pytest.mark.parametrize(
    "check_id", ["initial_loss.no_reg", "initial_loss.reg", "cnn_gradient.no_reg", "cnn_gradient.reg"]
)
def test_a_net_that_computes_nothing_fails_the_loss_and_gradient_checks(check_id):
    outcome = run(check_id, {"ThreeLayerConvNet": ConstantLoss})
    assert outcome.status == Status.failed and outcome.points == 0


class NoConvRelu(ThreeLayerConvNet):
    """conv -> pool without the ReLU, consistently in the forward and the backward pass."""

    def loss(self, X, y=None):
        from reference.fast_layers import (
            conv_backward_fast,
            conv_forward_fast,
            max_pool_backward_fast,
            max_pool_forward_fast,
        )
        from reference.layer_utils import affine_relu_backward, affine_relu_forward
        from reference.layers import affine_backward, affine_forward, softmax_loss

        p = self.params
        a, conv_cache = conv_forward_fast(
            X, p["W1"], p["b1"], {"stride": 1, "pad": (p["W1"].shape[2] - 1) // 2}
        )
        pooled, pool_cache = max_pool_forward_fast(a, {"pool_height": 2, "pool_width": 2, "stride": 2})
        hidden, hidden_cache = affine_relu_forward(pooled, p["W2"], p["b2"])
        scores, scores_cache = affine_forward(hidden, p["W3"], p["b3"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(float(np.sum(p[k] ** 2)) for k in ("W1", "W2", "W3"))
        grads = {}
        dhidden, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, hidden_cache)
        da = max_pool_backward_fast(dpooled, pool_cache)
        _, grads["W1"], grads["b1"] = conv_backward_fast(da, conv_cache)
        for k in ("W1", "W2", "W3"):
            grads[k] = grads[k] + self.reg * p[k]
        return loss, grads


@pytest.mark.parametrize("check_id", ["initial_loss.no_reg", "cnn_gradient.no_reg", "cnn_gradient.reg"])
def test_a_net_without_its_first_relu_fails_and_is_named(check_id):
    outcome = run(check_id, {"ThreeLayerConvNet": NoConvRelu})
    assert outcome.status == Status.failed
    assert outcome.hint == BUGS["model_relu_missing"].hint


def test_a_reg_gradient_on_the_biases_is_caught_where_the_biases_are_not_zero():
    class RegOnBiases(ThreeLayerConvNet):
        def loss(self, X, y=None):
            out = super().loss(X, y)
            if y is None:
                return out
            loss, grads = out
            return loss, {k: g + self.reg * self.params[k] if k[0] == "b" else g for k, g in grads.items()}

    assert run("cnn_gradient.reg", {"ThreeLayerConvNet": RegOnBiases}).status == Status.failed


# --- a student who replaced every helper the grader keeps in the worker ------------------------


def _zero_backward(student: dict[str, Any]) -> dict[str, Any]:
    """The forward passes right, every backward pass returning zeros."""
    student = dict(student)
    student["conv_backward_naive"] = lambda dout, cache: tuple(np.zeros_like(a) for a in cache[0][:3])
    student["max_pool_backward_naive"] = lambda dout, cache: np.zeros_like(cache[0])
    return student


LYING_OPS = {
    # the unperturbed output every time: a numeric gradient of zero, like the zero backward
    "perturbed_outputs": lambda session, symbol, args, wrt, h, out_index=0: (
        [session.resolve(symbol)(*args)[out_index]] * (2 * np.size(args[wrt]))
    ),
    "perturbed_losses": lambda session, model, X, y, name, h, indices=None: [1.0] * (2 * len(indices)),
}


@pytest.mark.parametrize("check_id", ["conv_backward.numeric", "max_pool_backward.numeric"])
def test_helpers_that_lie_about_perturbed_outputs_gain_nothing(check_id):
    from grader.isolate import ops

    student = _zero_backward(reference_student())
    honest = run(check_id, student)
    forged = run(check_id, student, ops={**ops.OPS, **LYING_OPS})
    assert honest.status == forged.status == Status.failed
    assert honest.points == forged.points == 0
    assert "wrong at inputs" in forged.message


def test_the_numeric_figure_of_the_net_comes_from_the_graders_arithmetic():
    from grader.isolate import ops

    forged = run("cnn_gradient.no_reg", reference_student(), ops={**ops.OPS, **LYING_OPS})
    # The verdict rests on the reference's gradients: a correct net still passes.
    assert forged.status == Status.passed
    # The numeric figure, from the lying losses (all equal: numeric gradient 0), shows the lie.
    assert forged.metrics["W1_numeric_rel_error"] == pytest.approx(1.0)


def test_speedup_does_not_apply_to_the_courses_fast_layers():
    outcome = run("fast_layers.speedup", reference_student())
    assert outcome.status == Status.skipped and outcome.max_points == 0


def test_speedup_is_judged_by_the_graders_clock_against_the_reference_naive_layer():
    import time

    def slow(fn):
        def wrapped(*args):
            time.sleep(0.05)
            return fn(*args)

        return wrapped

    speedup = SPECS["fast_layers.speedup"]
    params = speedup.params.model_copy(update={"num_inputs": 2, "repeats": 1})
    spec = speedup.model_copy(update={"params": params, "points": 2})
    fast = with_fast_layers(reference_student())
    assert run(spec.id, fast, spec).status == Status.passed
    sluggish = {**fast, **{k: slow(v) for k, v in fast.items() if k.endswith("_fast")}}
    outcome = run(spec.id, sluggish, spec)
    assert outcome.status == Status.failed and "max_pool_forward_fast is only" in outcome.message
