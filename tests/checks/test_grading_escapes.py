"""Grading logic a hostile class tries to get around, past the sandbox walls (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge import delegation
from grader.judge.layers import cases
from grader.judge.rubric import RubricError, load_rubric
from grader.load.submission import load
from grader.run.grade import GradeOptions, grade_submission

ROOT = Path(__file__).resolve().parents[2]
GRADING = ROOT / "submissions" / "hostile" / "grading"
RUBRIC = ROOT / "rubrics" / "convnet.toml"


def test_no_hidden_input_reaches_the_output_of_a_public_check(tmp_path):
    rubric = load_rubric(RUBRIC)
    layer_checks = {"conv_forward.public", "conv_forward.hidden", "max_pool_forward.public"}
    rubric = rubric.part(layer_checks)
    source = GRADING / "replay_hidden_args.py"
    report = grade_submission(source, rubric, GradeOptions(secret="s3cret"))
    sha = load(source, tmp_path / "scratch").sha256
    assert report.submission.sha256 == sha
    hidden = cases.conv_hidden(cases.seeded_rng("s3cret", sha, "conv_forward.hidden"), 8)
    by_id = {c.id: c for c in report.checks}
    assert by_id["conv_forward.hidden"].status == "passed"  # the hidden cases did run
    shown = "".join(c.output for c in report.checks)
    assert "inputs so far" in by_id["max_pool_forward.public"].output  # what it prints is shown
    for case in hidden:
        assert str(case.x.shape) not in shown and repr(float(case.x.ravel()[0])) not in shown


def test_a_public_check_cannot_wait_for_a_hidden_one(tmp_path):
    text = RUBRIC.read_text(encoding="utf-8")
    text = text.replace('requires = ["fast_layers.agreement"]', 'requires = ["conv_forward.hidden"]')
    (tmp_path / "r.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RubricError, match="cannot require the hidden check 'conv_forward.hidden'"):
        load_rubric(tmp_path / "r.toml")


def test_layers_that_compute_nothing_earn_nothing():
    rubric = load_rubric(RUBRIC)
    rubric = rubric.part({c.id for c in rubric.checks if c.kind not in ("train", "fast_speedup")})
    report = grade_submission(GRADING / "all_zeros.py", rubric, GradeOptions(secret="s3cret"))
    earned = {c.id: c.points for c in report.checks if c.points}
    assert earned == {} and report.score == 0
    by_id = {c.id: c for c in report.checks}
    assert "checked against the gradient of the reference's forward" in by_id["conv_backward.numeric"].message
    assert "not with the course's" in by_id["fast_layers.agreement"].message


NAIVE_CHECKS = {
    "conv_forward.public",
    "conv_forward.hidden",
    "conv_backward.numeric",
    "conv_backward.hidden",
    "max_pool_forward.public",
    "max_pool_forward.hidden",
    "max_pool_backward.numeric",
    "max_pool_backward.hidden",
    "fast_layers.agreement",
}


def test_naive_layers_that_call_the_fast_ones_earn_none_of_the_naive_points():
    rubric = load_rubric(RUBRIC)
    rubric = rubric.part({c.id for c in rubric.checks if c.kind not in ("train", "fast_speedup")})
    report = grade_submission(GRADING / "naive_calls_fast.py", rubric, GradeOptions(secret="s3cret"))
    earned = {c.id for c in report.checks if c.points}
    assert earned == {c.id for c in rubric.checks} - NAIVE_CHECKS  # sandwiches and model still pay
    by_id = {c.id: c for c in report.checks}
    assert "conv_forward_naive hands its work to the course's conv_forward_fast" in by_id[
        "conv_forward.public"
    ].message
    delegations = {f.message.split()[0]: f for f in report.findings if f.kind == "naive_delegates"}
    assert set(delegations) == set(delegation.NAIVE_LAYERS)
    assert "through _conv_grads" in delegations["conv_backward_naive"].message
    assert "max_pool_forward_fast" in delegations["max_pool_forward_naive"].message  # under its alias
    assert "max_pool_backward_fast" in delegations["max_pool_backward_naive"].message  # by getattr
    source = (GRADING / "naive_calls_fast.py").read_text(encoding="utf-8").splitlines()
    assert source[delegations["conv_forward_naive"].line - 1].startswith("def conv_forward_naive(")


# Every example written the way students write the layers (loops, im2col of their own, np.pad,
# as_strided; some buggy ones hold only the network). The Python 2 one and the notebook handed in
# without its package do not load.
HONEST = sorted(
    p.relative_to(ROOT / "submissions").as_posix()
    for pattern in ("correct_*", "course_*", "buggy/*", "buggy_norm/*")
    for p in (ROOT / "submissions").glob(pattern)
    if p.name not in ("course_2016_python2", "course_2022_notebook_only")
)


@pytest.mark.parametrize("example", HONEST)
def test_no_naive_layer_of_a_real_style_example_is_taken_for_delegation(example, tmp_path):
    bundle = load(ROOT / "submissions" / example, tmp_path / "scratch")
    assert delegation.find(bundle.root, bundle.manifest.symbols) == {}
