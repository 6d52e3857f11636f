"""The buggy examples of the commonest real bugs, graded end to end: each loses exactly the checks
its bug touches and gets the hint that names it.

Each example defines only what its bug needs (a student's layers.py, a notebook of conv cells, a
net), so it is graded on the checks of what it defines. The last field of each entry names what
the checks hand the diagnosis for that hint (a probe of the student's layer, the student's params,
the config's filter size), for the reader.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_grade import MODEL  # the net's checks

from grader.judge.diagnose import BUGS
from grader.judge.rubric import Rubric, load_rubric
from grader.report.models import Report, Status
from grader.run.grade import GradeOptions, grade_submission

ROOT = Path(__file__).resolve().parents[2]
SECRET = "instructor-secret"

CONV = {"conv_forward.public", "conv_forward.hidden", "conv_backward.numeric", "conv_backward.hidden"}
POOL = {
    "max_pool_forward.public",
    "max_pool_forward.hidden",
    "max_pool_backward.numeric",
    "max_pool_backward.hidden",
}


# example -> (checks it is graded on, the checks it must fail, its bug, what the hint still needs)
EXAMPLES: dict[str, tuple[set[str], set[str], str, str | None]] = {
    "conv_dx_pad_slice": (CONV | POOL, {"conv_backward.hidden"}, "conv_dx_empty_without_pad", None),
    "conv_dx_crop_per_sample": (CONV, {"conv_backward.hidden"}, "conv_breaks_without_pad", "probe"),
    "conv_x_pad_unset": (
        CONV,
        {"conv_forward.hidden", "conv_backward.hidden"},
        "conv_breaks_without_pad",
        "probe or diagnose_failure",
    ),
    "max_pool_assign_window": (POOL, {"max_pool_backward.hidden"}, "max_pool_backward_overwrites", None),
    "max_pool_fancy_index": (POOL, {"max_pool_backward.hidden"}, "max_pool_backward_overwrites", None),
    "max_pool_stride_as_window": (
        POOL,
        {"max_pool_forward.hidden", "max_pool_backward.hidden"},
        "max_pool_stride_ignored",
        "probe",
    ),
    # The gradients are right: they are judged against the reference's on the same weights.
    "reg_sum_squared": (MODEL, {"initial_loss.reg"}, "reg_sum_squared", "params"),
    "reg_grad_scalar": (MODEL, {"cnn_gradient.reg"}, "reg_grad_scalar", None),
    # The loss checks read the params after the first loss() call: only the init is wrong.
    "params_built_in_loss": (
        MODEL,
        {"cnn_init.shapes"},
        "params_not_built_in_init",
        None,
    ),
    # The gradient checks use other filter sizes than the default: the net's arrays are the wrong shape.
    "filter_size_hard_coded": (
        MODEL,
        {"cnn_init.shapes", "cnn_gradient.no_reg", "cnn_gradient.reg"},
        "filter_size_hard_coded",
        "filter_size",
    ),
}


def only(rubric: Rubric, ids: set[str]) -> Rubric:
    return rubric.model_copy(update={"checks": [c for c in rubric.checks if c.id in ids]})


@pytest.fixture(scope="module")
def graded(shared_cache):
    """grade(example) -> Report, each example graded once."""
    rubric = load_rubric(ROOT / "rubrics" / "convnet.toml")
    options = GradeOptions(secret=SECRET, cache_dir=shared_cache)
    reports: dict[str, Report] = {}

    def grade(example: str) -> Report:
        if example not in reports:
            source = ROOT / "submissions" / "buggy" / example
            reports[example] = grade_submission(source, only(rubric, EXAMPLES[example][0]), options)
        return reports[example]

    return grade


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_each_example_loses_exactly_the_checks_of_its_bug(graded, example):
    ids, fails, _, _ = EXAMPLES[example]
    report = graded(example)
    assert report.error is None
    assert {c.id for c in report.checks} == ids
    failed = {c.id: (c.status, c.message) for c in report.checks if c.status != Status.passed}
    assert set(failed) == fails, failed
    assert {status for status, _ in failed.values()} == {Status.failed}  # partial credit, not an error


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_each_example_gets_the_hint_that_names_its_bug(graded, example):
    _, fails, bug, _ = EXAMPLES[example]
    report = graded(example)
    hints = {c.hint for c in report.checks if c.hint}
    assert {c.id for c in report.checks if c.hint} <= fails  # no hint on a passing check
    assert hints == {BUGS[bug].hint}, hints
