"""Grading logic a hostile class tries to get around, past the sandbox walls (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks import cases
from grader.grade import GradeOptions, grade_submission
from grader.rubric import RubricError, load_rubric
from grader.submission import load

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
