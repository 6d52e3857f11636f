"""Whole submissions through grade_submission: correct ones score 100, each buggy one loses exactly
the checks its bug touches and gets its hint, a grade repeats exactly, a bad path gives a report.

Grading is slow (a worker, naive layers, two trainings), so every submission is graded once per
session and the tests share the reports. The rubric is the shipped one with the training set and
the speedup inputs made smaller: the same checks, a fraction of the time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.diagnose import BUGS
from grader.judge.kinds.fast_speedup import FastSpeedupCheck
from grader.judge.kinds.train import TrainCheck
from grader.judge.rubric import Rubric, load_rubric
from grader.report.models import Report, Status, Visibility
from grader.run.grade import GradeOptions, grade_submission

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
SECRET = "instructor-secret"

CONV_FORWARD = {"conv_forward.public", "conv_forward.hidden"}
CONV_BACKWARD = {"conv_backward.numeric", "conv_backward.hidden"}
FAST = {"fast_layers.agreement", "fast_layers.speedup"}  # the speedup needs agreement first
MODEL = {
    "cnn_init.shapes",
    "initial_loss.no_reg",
    "initial_loss.reg",
    "cnn_gradient.no_reg",
    "cnn_gradient.reg",
}
TRAINING = {"overfit", "train"}
# bug -> the checks it must fail (every other check must pass)
TOUCHES = {
    "conv_no_padding": CONV_FORWARD | {"conv_backward.numeric"} | FAST,
    "conv_padding_twice": CONV_FORWARD | CONV_BACKWARD | FAST,
    # A forward bug beside a right backward: the backward is held to the reference's centered
    # differences (its own forward is wrong on the case), so it keeps its point.
    "conv_flipped_kernel": CONV_FORWARD | FAST,
    "conv_missing_bias": CONV_FORWARD | FAST,
    "conv_wrong_bias_index": CONV_FORWARD | FAST,
    "conv_stride_ignored": CONV_FORWARD | FAST,
    "conv_dx_not_cropped": CONV_BACKWARD | FAST,
    "conv_dw_db_not_summed": CONV_BACKWARD | FAST,
    "max_pool_grad_to_all": {"max_pool_backward.numeric", "max_pool_backward.hidden"} | FAST,
    "max_pool_stride_ignored": {"max_pool_forward.hidden"},
    # The gradients are right: only the loss check fails (the gradients are judged against the
    # reference's on the same weights, not against numeric gradients of the wrong loss).
    "reg_without_half": {"initial_loss.reg"},
    "reg_missing_from_loss": {"initial_loss.reg"},
    "reg_missing_from_grads": {"cnn_gradient.reg"},
    "pool_missing_in_hidden_size": MODEL | TRAINING,
    "model_relu_missing": MODEL - {"cnn_init.shapes"},
}


# The one-epoch check as shipped: 40 updates are cheap, and fewer leave a correct net and the
# no-ReLU one too close to chance to tell apart.
LEAN = {
    "overfit": {"num_epochs": 8, "num_val": 50},
    "fast_layers.speedup": {"num_inputs": 2, "repeats": 1},
}


def lean(rubric: Rubric) -> Rubric:
    """The shipped checks with less training and smaller timing inputs (thresholds stay relative
    to the reference on the same data, so they still separate a net that learns from one that
    does not)."""
    checks = [
        c.model_copy(update={"params": c.params.model_copy(update=LEAN[c.id])}) if c.id in LEAN else c
        for c in rubric.checks
    ]
    assert {type(c) for c in checks if c.id in LEAN} == {TrainCheck, FastSpeedupCheck}
    return rubric.model_copy(update={"checks": checks})


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    return lean(load_rubric(ROOT / "rubrics" / "convnet.toml"))


@pytest.fixture(scope="session")
def options(shared_cache) -> GradeOptions:
    return GradeOptions(secret=SECRET, cache_dir=shared_cache)


_graded: dict[str, Report] = {}


def layers_only(rubric: Rubric) -> Rubric:
    return rubric.model_copy(update={"checks": [c for c in rubric.checks if c.id not in MODEL | TRAINING]})


@pytest.fixture(scope="session")
def graded(rubric, options):
    """grade(relative path) -> Report, each submission graded once per session.

    A bug in a naive layer cannot reach the net (it is built on the starter's fast layers and the
    untouched affine/relu/softmax functions), so those examples are graded on the layer checks
    only; the net's checks and its training are most of a grading's time.
    """

    def grade(rel: str) -> Report:
        if rel not in _graded:
            bug = rel.removeprefix("buggy/")
            layer_bug = bug in TOUCHES and not TOUCHES[bug] & (MODEL | TRAINING)
            _graded[rel] = grade_submission(
                SUBMISSIONS / rel, layers_only(rubric) if layer_bug else rubric, options
            )
        return _graded[rel]

    return grade


def not_passed(report: Report) -> set[str]:
    """Checks that did not pass, leaving out those that do not apply (the speedup of fast layers
    the submission did not write)."""
    applies = [c for c in report.checks if not c.message.startswith("not applicable")]
    return {c.id for c in applies if c.status != Status.passed}


@pytest.mark.slow
@pytest.mark.parametrize("example", ["correct_module", "correct_package", "correct_notebook"])
def test_correct_examples_score_full_marks(graded, example):
    report = graded(example)
    assert report.error is None
    assert not_passed(report) == set(), [
        (c.id, c.message) for c in report.checks if c.status != Status.passed
    ]
    assert report.score == report.max_score == 100
    assert all(c.hint is None for c in report.checks)
    train = next(c for c in report.checks if c.id == "train")
    assert train.artifacts and train.artifacts.filters and len(train.artifacts.series) == 3


@pytest.mark.slow
@pytest.mark.parametrize("bug", sorted(TOUCHES))
def test_each_buggy_example_loses_exactly_its_checks_and_gets_its_hint(graded, bug):
    report = graded(f"buggy/{bug}")
    failed = [c for c in report.checks if c.id in not_passed(report)]
    assert {c.id for c in failed} == TOUCHES[bug], [(c.id, c.status, c.message) for c in failed]
    hints = {c.hint for c in failed if c.hint}
    assert BUGS[bug].hint in hints
    assert hints <= {BUGS[bug].hint}, hints
    assert 0 < report.score < 100


@pytest.mark.slow
def test_grading_twice_with_the_same_secret_gives_the_same_report(rubric, options, graded):
    first = graded("buggy/reg_missing_from_grads")  # graded with training: it too must repeat
    again = grade_submission(SUBMISSIONS / "buggy" / "reg_missing_from_grads", rubric, options)
    assert first.comparable() == again.comparable()
    assert first.inputs_key == again.inputs_key
    other = grade_submission(
        SUBMISSIONS / "buggy" / "reg_missing_from_grads",
        layers_only(rubric),
        options.model_copy(update={"secret": "x"}),
    )
    assert other.inputs_key != first.inputs_key


@pytest.mark.slow
def test_a_self_check_runs_public_checks_only(rubric, options):
    report = grade_submission(
        SUBMISSIONS / "buggy" / "max_pool_stride_ignored",
        layers_only(rubric),
        options.model_copy(update={"secret": None}),
    )
    hidden = [c for c in report.checks if c.visibility == Visibility.hidden]
    assert hidden and all(c.status == Status.skipped and c.points == 0 for c in hidden)
    # the bug shows only on hidden cases: the public checks all pass
    public = {c.id for c in report.checks if c.visibility == Visibility.public}
    assert not public & not_passed(report)


def test_a_submission_that_cannot_load_gives_a_report_not_an_exception(rubric, options, tmp_path):
    report = grade_submission(tmp_path / "absent.py", rubric, options)
    assert report.error and "absent.py" in report.error
    assert report.score == 0 and report.max_score == 100
    assert {c.status for c in report.checks} == {Status.missing}
    assert len(report.inputs_key) == 64


# tests/sandbox/test_hostile_grading.py grades every hostile example on the public reference checks;
# here a few go through every layer check with a secret (hidden cases, numeric gradients, fast
# layers): reading the answer key, fooling the comparison, forging replies, odd values.
HOSTILE = ["reference_by_import.py", "monkeypatch_numpy.py", "forged_reply.py", "nan_result.py"]


@pytest.mark.slow
@pytest.mark.parametrize("example", HOSTILE)
def test_hostile_examples_score_nothing_and_still_get_a_valid_report(rubric, options, example):
    # Short limits, layer checks only: the attacks sit in conv_forward_naive or at import.
    fast = layers_only(rubric)
    fast = fast.model_copy(
        update={"checks": [c.model_copy(update={"time_limit_s": 3.0}) for c in fast.checks]}
    )
    report = grade_submission(SUBMISSIONS / "hostile" / example, fast, options)
    assert Report.model_validate_json(report.model_dump_json()) == report
    assert report.score == 0, [(c.id, c.status, c.message) for c in report.checks if c.points]
    assert Status.passed not in {c.status for c in report.checks}


@pytest.mark.slow
def test_code_that_hangs_at_import_costs_one_time_limit_and_every_check_that_needs_it(rubric, options):
    fast = layers_only(rubric)
    fast = fast.model_copy(update={"limits": fast.limits.model_copy(update={"call_timeout_s": 1.0})})
    report = grade_submission(SUBMISSIONS / "hostile" / "loop_at_import.py", fast, options)
    assert report.duration_s < 20
    # The first check is the one the hang cost: a report of skips alone would pass `check`.
    first, *rest = [c for c in report.checks if c.status != Status.missing]
    assert (first.status, first.message) == (Status.timeout, "importing loop_at_import timed out after 1 s")
    assert rest and {c.status for c in rest} == {Status.skipped}, [(c.id, c.status) for c in rest]
    hung = [c for c in rest if c.message == f"not run: {first.message}"]
    assert hung and all(c in hung or c.message.startswith("not run: needs ") for c in rest)


HANGS_IN_CONV = """
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    while True:
        pass


def max_pool_forward_naive(x, pool_param):
    N, C, H, W = x.shape
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    out = np.zeros((N, C, (H - ph) // s + 1, (W - pw) // s + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
    return out, (x, pool_param)
"""


@pytest.mark.slow
def test_a_function_that_hangs_costs_only_the_checks_that_call_it(rubric, options, tmp_path):
    source = tmp_path / "hangs.py"
    source.write_text(HANGS_IN_CONV)
    fast = layers_only(rubric)
    fast = fast.model_copy(
        update={"checks": [c.model_copy(update={"time_limit_s": 1.0}) for c in fast.checks]}
    )
    report = grade_submission(source, fast, options)
    status = {c.id: c for c in report.checks}
    assert status["conv_forward.public"].status == Status.timeout
    assert status["conv_forward.public"].message.startswith("conv_forward_naive: timed out")
    assert status["conv_forward.hidden"].status == Status.skipped
    assert "conv_forward_naive timed out in conv_forward.public" in status["conv_forward.hidden"].message
    assert status["max_pool_forward.public"].status == Status.passed
    assert status["max_pool_forward.hidden"].status == Status.passed


@pytest.mark.slow
def test_unfinished_work_earns_what_is_done(graded):
    report = graded("partial")
    by_status = {c.id: c.status for c in report.checks}
    assert {i for i, s in by_status.items() if s == Status.passed} == {
        "conv_forward.public",
        "conv_forward.hidden",
        "conv_relu.gradient",
    }
    model_checks = MODEL | TRAINING
    assert all(by_status[i] == Status.missing for i in model_checks)
    # functions still `pass` return None: failed or error, never a crash of the grader
    assert by_status["conv_backward.numeric"] in (Status.failed, Status.error)
    assert report.score == 3 + 8 + 3


@pytest.mark.slow
def test_a_syntax_error_in_one_file_costs_only_what_that_file_holds(graded):
    report = graded("syntax_error")
    lost = not_passed(report)
    assert lost == MODEL | TRAINING
    assert {report.checks[[c.id for c in report.checks].index(i)].status for i in lost} == {Status.missing}
    assert any(f.kind == "syntax_error" or "syntax" in f.message.lower() for f in report.findings)
    assert report.score == 52


def test_a_module_that_does_not_parse_is_not_graded_and_says_why(rubric, options, tmp_path):
    broken = tmp_path / "erin.py"
    broken.write_text("def conv_forward_naive(x, w, b, conv_param:\n    pass\n")
    report = grade_submission(broken, rubric, options)
    assert report.error == "erin.py:1: '(' was never closed"
    assert report.submission.name == "erin.py"
    assert {c.status for c in report.checks} == {Status.missing} and report.score == 0


MALFORMED = """
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    return "abc", None


def conv_backward_naive(dout, cache):
    return np.zeros(3), "dw", 5


def max_pool_forward_naive(x, pool_param):
    return np.zeros((1, 2)), None


def max_pool_backward_naive(dout, cache):
    return {"a": 1}


class ThreeLayerConvNet:
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=np.float32):
        self.params, self.reg = {"W1": "x", "b1": np.zeros(2)}, reg

    def loss(self, X, y=None):
        return "scores" if y is None else ("not a number", ["W1"])
"""


def test_results_of_the_wrong_structure_fail_their_checks_with_a_message(rubric, options, tmp_path):
    """Strings, dicts and lists where arrays, numbers and tuples belong, through every check."""
    source = tmp_path / "malformed.py"
    source.write_text(MALFORMED)
    report = grade_submission(source, rubric, options)
    assert Report.model_validate_json(report.model_dump_json()) == report
    assert report.score == 0 and report.error is None
    status = {c.id: (c.status, c.message) for c in report.checks}
    assert status["conv_forward.public"] == (Status.failed, "out: expected an array, got a str")
    assert status["max_pool_backward.hidden"][0] == Status.failed
    loss_message = "loss: expected a number, got a str"
    assert status["initial_loss.no_reg"] == status["initial_loss.reg"] == (Status.failed, loss_message)
    assert status["cnn_gradient.no_reg"][0] == Status.failed
