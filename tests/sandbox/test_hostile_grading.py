"""Grading every hostile submission for real (loader, rubric checks, report) next to an honest one."""

from __future__ import annotations

import time

import pytest

from grader.judge.rubric import load_rubric
from grader.report.models import Status, read_report, write_report
from grader.run.grade import GradeOptions, grade_submission

from .conftest import HOSTILE, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rubric():
    """The real rubric's public reference checks (conv_forward first), with short time limits: a
    check's call 1 s, any other op (the import that loops forever) 10 s instead of the rubric's 30."""
    full = load_rubric(REPO / "rubrics" / "convnet.toml")
    checks = [
        c.model_copy(update={"time_limit_s": 1.0})
        for c in full.checks
        if c.kind == "reference_match" and c.visibility == "public"
    ]
    limits = full.limits.model_copy(update={"call_timeout_s": 10.0})
    return full.model_copy(update={"checks": checks, "limits": limits})


def test_every_hostile_submission_gets_a_valid_zero_report_and_an_honest_one_full_marks(tmp_path, rubric):
    options = GradeOptions(cache_dir=tmp_path / "cache", scratch_dir=tmp_path)
    reports = tmp_path / "reports"
    honest = REPO / "submissions" / "correct_module" / "convnet_hw.py"
    for source in [honest, *sorted(HOSTILE.glob("*.py")), honest]:
        start = time.monotonic()
        report = grade_submission(source, rubric, options)
        assert time.monotonic() - start < 60
        write_report(report, reports / f"{source.stem}.json")
        assert read_report(reports / f"{source.stem}.json").model_dump_json() == report.model_dump_json()
        if source == honest:
            assert report.score == report.max_score, [c.message for c in report.checks]
            continue
        conv = next(c for c in report.checks if c.id == "conv_forward.public")
        assert report.score == 0, source.stem
        assert conv.status in (Status.failed, Status.error, Status.timeout), (
            source.stem,
            conv.status,
        )
        assert conv.message
        assert len(conv.output) <= 8000
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        f"{p.stem}.json" for p in [honest, *HOSTILE.glob("*.py")]
    )
