"""Reports are always valid and readable: what a student's code produces cannot break the JSON."""

import json

import pytest
from pydantic import ValidationError
from report_factory import buggy_report, graded_report

from grader.export import html
from grader.report.models import (
    NAME_CHARS,
    TEXT_CHARS,
    Artifacts,
    CheckResult,
    Environment,
    Report,
    ReportError,
    Series,
    dump_report,
    error_report,
    read_report,
    write_report,
)


def check_with(**fields) -> CheckResult:
    base = {"id": "initial_loss", "title": "Initial loss", "status": "failed", "points": 0, "max_points": 6}
    return CheckResult(**{**base, **fields})


def with_check(check: CheckResult, **fields) -> Report:
    return graded_report().model_copy(update={"checks": [check], **fields})


def test_a_nan_loss_and_an_overflowing_one_are_stored_as_absent_with_a_reason(tmp_path):
    check = check_with(metrics={"loss": float("nan"), "grad": float("-inf"), "huge": 10**400, "big": 10**30})
    assert check.metrics == {"loss": None, "grad": None, "huge": None, "big": 1e30}
    assert check.absent == {
        "metrics.loss": "not finite (nan)",
        "metrics.grad": "not finite (-inf)",
        "metrics.huge": "too large for a float",
    }
    write_report(with_check(check), tmp_path / "r.json")
    assert read_report(tmp_path / "r.json").checks == [check]


def test_timings_that_are_not_finite_are_absent_but_points_must_be_finite(tmp_path):
    data = json.loads(graded_report().model_dump_json())
    data.update(duration_s=float("nan"), student_time_s=float("inf"))
    data["checks"][0]["duration_s"] = float("nan")
    report = Report.model_validate(data)
    assert (report.duration_s, report.student_time_s, report.checks[0].duration_s) == (None, None, None)
    assert report.absent == {"duration_s": "not finite (nan)", "student_time_s": "not finite (inf)"}
    write_report(report, tmp_path / "r.json")
    assert read_report(tmp_path / "r.json") == report
    with pytest.raises(ValidationError):
        check_with(points=float("nan"))
    with pytest.raises(ValidationError):
        Report.model_validate({**data, "score": float("inf")})


def test_a_report_an_older_grader_wrote_with_null_timings_reads(tmp_path):
    data = json.loads(buggy_report().model_dump_json())
    data["duration_s"] = None  # how pydantic wrote a NaN before reports checked their floats
    data["checks"][0]["duration_s"] = None
    data["checks"][0]["metrics"]["loss"] = None
    (tmp_path / "old.json").write_text(json.dumps(data))
    assert read_report(tmp_path / "old.json").checks[0].metrics["loss"] is None


def test_a_training_curve_that_turns_nan_keeps_its_gap_and_still_draws():
    series = Series(name="loss", y=[2.3, 1.9, float("nan"), float("inf")])
    assert series.y == [2.3, 1.9, None, None]
    check = check_with(artifacts=Artifacts(series=[series]))
    assert (
        Report.model_validate_json(dump_report(with_check(check))).checks[0].artifacts.series[0].y[2] is None
    )
    assert html.curves_png([series], "overfit")  # drawn with a gap, not an exception


def test_lone_surrogates_become_replacement_characters_and_long_text_is_capped(tmp_path):
    check = check_with(id="a\ud800b", message="boom \udfff" + "x" * (3 * TEXT_CHARS), output="\ud83d")
    assert check.id == "a\ufffdb" and check.output == "\ufffd"
    assert len(check.message) <= TEXT_CHARS and check.message.startswith("boom \ufffd")
    assert "characters cut" in check.message
    report = with_check(check).model_copy(update={"submission": graded_report("n" * 1000).submission})
    assert len(report.submission.name) <= NAME_CHARS
    write_report(report, tmp_path / "r.json")
    (tmp_path / "r.json").read_text(encoding="utf-8")  # valid UTF-8
    assert read_report(tmp_path / "r.json") == report


def test_a_report_that_would_not_read_back_is_never_written(tmp_path):
    # Environment allows extra fields; a NaN there is written as null and reads back unequal.
    odd = graded_report().model_copy(
        update={"environment": Environment(python="3", numpy="2", load=float("nan"))}
    )
    with pytest.raises(ReportError, match="reads back different"):
        write_report(odd, tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []


def test_the_minimal_error_report_is_valid_and_not_skippable():
    report = error_report("bob\x1b[2J", "submissions/bob.py", "not graded: the grader failed", max_score=100)
    again = Report.model_validate_json(dump_report(report))
    assert again == report and again.inputs_key == "" and again.score == 0 and again.max_score == 100
