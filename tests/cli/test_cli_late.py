"""`cnngrade report` with submission times and a late policy: real report files, a real rubric
file with a [late] table, a real roster and a Gradescope submission_metadata.yml, the real command."""

import csv
from pathlib import Path

import pytest
from report_factory import buggy_report, graded_report, unloadable_report

from grader.report.models import write_report

ROOT = Path(__file__).resolve().parents[2]
CONVNET = ROOT / "rubrics" / "convnet.toml"
LATE = """
[late]
deadline = 2026-11-27T23:59:00+01:00
grace_minutes = 15
penalty_fraction_per_day = 0.1
max_penalty_fraction = 0.5
"""
# Gradescope writes the file from Ruby: symbol keys, times with a UTC offset, tagged values.
METADATA = """\
---
submission_1001:
  :submitters:
  - :name: Alice Smith
    :sid: '1001'
    :email: alice@uni.edu
  :created_at: 2026-11-27 14:10:44.474856000 -08:00
  :score: 100.0
  :status: processed
  :results:
    score: 100.0
    tests:
    - name: conv_forward
      score: !ruby/object:BigDecimal 18:0.8e1
  :history:
  - :created_at: 2026-11-26 10:00:00.000000000 -08:00
    :score: 50.0
submission_1002:
  :submitters:
  - :name: Bob Jones
    :sid: '1002'
    :email: bob@uni.edu
  - :name: Dana Lee
    :sid: '1003'
    :email: dana@uni.edu
  :created_at: 2026-11-28 23:00:01.000000000 +00:00
  :score: 36.0
  :status: processed
  :history: []
"""


def rows_of(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def folder(tmp_path):
    """Reports of alice, bob and carol.zip; a rubric with the late policy; a roster with times."""
    for report in (graded_report(), buggy_report(), unloadable_report()):
        write_report(report, tmp_path / "reports" / f"{report.submission.name}.json")
    (tmp_path / "late.toml").write_text(CONVNET.read_text() + LATE)
    (tmp_path / "roster.csv").write_text(
        "submission,student_id,submitted_at\n"
        "alice,s1,2026-11-28T00:14:00+01:00\n"  # within the grace period
        "bob,s2,2026-11-28T22:59:01Z\n"  # 24 h and 1 s late: two started days
        "carol.zip,s3,\n"  # no time known
    )
    return tmp_path


def report(cnngrade, folder, *args):
    return cnngrade("report", folder / "reports", *args, "--rubric", folder / "late.toml")


def one_error_line(out, *words):
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("cnngrade: error: ")
    for word in words:
        assert word in out.stderr


def test_the_gradebook_shows_times_days_late_penalty_and_final_score(cnngrade, folder):
    grades = folder / "grades.csv"
    out = report(cnngrade, folder, "--format", "csv", "--roster", folder / "roster.csv", "--to", grades)
    assert out.returncode == 0, out.stderr
    maxima, alice, bob, carol = rows_of(grades)
    assert list(alice)[:10] == [
        "submission",
        "student_id",
        "kind",
        "sha256",
        "score",
        "max_score",
        "submitted_at",
        "late_days",
        "late_penalty",
        "final_score",
    ]
    assert (maxima["submitted_at"], maxima["late_penalty"], maxima["final_score"]) == (
        "2026-11-27T23:59:00+01:00",
        "50",
        "100",
    )
    assert [alice[k] for k in ("submitted_at", "late_days", "late_penalty", "final_score")] == [
        "2026-11-28T00:14:00+01:00",
        "0",
        "0",
        "100",
    ]
    assert (bob["score"], bob["late_days"], bob["late_penalty"], bob["final_score"]) == (
        "36",
        "2",
        "20",
        "16",
    )
    assert (carol["submitted_at"], carol["late_days"], carol["late_penalty"]) == ("", "", "")
    assert carol["final_score"] == carol["score"] == "0"
    assert out.stderr == (
        "cnngrade: warning: 1 of 3 submissions have no submission time: not penalised "
        "(give times with --roster or --submission-times)\n"
    )


def test_deadline_overrides_the_rubrics_for_another_section(cnngrade, folder):
    grades = folder / "grades.csv"
    roster = folder / "roster.csv"
    out = report(
        cnngrade,
        folder,
        "--format",
        "csv",
        "--roster",
        roster,
        "--deadline",
        "2026-11-29T00:00Z",
        "--to",
        grades,
    )
    assert out.returncode == 0, out.stderr
    maxima, alice, bob, _ = rows_of(grades)
    assert maxima["submitted_at"] == "2026-11-29T00:00:00+00:00"
    assert (alice["late_days"], bob["late_days"], bob["final_score"]) == ("0", "0", "36")
    bad = report(cnngrade, folder, "--format", "csv", "--roster", roster, "--deadline", "2026-11-29T00:00")
    one_error_line(bad, "--deadline", "no timezone")


def test_times_without_a_late_policy_are_a_column_and_nothing_is_taken_off(cnngrade, folder):
    grades = folder / "grades.csv"
    out = cnngrade(
        "report", folder / "reports", "--format", "csv", "--roster", folder / "roster.csv", "--to", grades
    )
    assert out.returncode == 0 and out.stderr == "", out.stderr
    maxima, alice, bob, _ = rows_of(grades)
    assert (alice["student_id"], bob["submitted_at"]) == ("s1", "2026-11-28T22:59:01+00:00")
    assert maxima["submitted_at"] == "" and "final_score" not in bob


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("2026-11-28T00:14:00", "no timezone"), ("28/11/2026 00:14", "not an ISO 8601 time")],
)
def test_a_malformed_roster_time_is_one_line_naming_the_file_and_line(cnngrade, folder, cell, reason):
    roster = folder / "roster.csv"
    roster.write_text(f"submission,submitted_at\nalice,2026-11-28T00:14:00Z\nbob,{cell}\n")
    out = report(cnngrade, folder, "--format", "csv", "--roster", roster)
    one_error_line(out, f"roster {roster}, line 3: submitted_at", reason)


def test_gradescope_metadata_gives_times_and_submitters(cnngrade, folder):
    for name, seed in (("submission_1001", 3), ("submission_1002", 4)):
        write_report(graded_report(name, seed=seed), folder / "gs" / f"{name}.json")
    (folder / "submission_metadata.yml").write_text(METADATA)
    grades = folder / "grades.csv"
    out = cnngrade(
        "report",
        folder / "gs",
        "--format",
        "csv",
        "--rubric",
        folder / "late.toml",
        "--submission-times",
        folder / "submission_metadata.yml",
        "--to",
        grades,
    )
    assert out.returncode == 0 and out.stderr == "", out.stderr
    _, first, group = rows_of(grades)
    assert (first["name"], first["sid"], first["email"]) == ("Alice Smith", "1001", "alice@uni.edu")
    assert first["submitted_at"] == "2026-11-27T14:10:44.474856-08:00"  # 23:10:44 at the deadline's offset
    assert (first["late_days"], first["final_score"]) == ("0", "100")
    assert group["name"] == "Bob Jones; Dana Lee" and group["sid"] == "1002; 1003"
    assert (group["late_days"], group["late_penalty"], group["final_score"]) == ("2", "20", "80")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("submission_1:\n\t:created_at: 2026-11-27\n", ["line 2", "not valid YAML"]),  # a tab
        ("submission_1:\n  :score: 3\n", ["submission_1: no :created_at:"]),
        (
            "submission_1:\n  :created_at: 2026-11-27 14:10:44\n",
            ["submission_1: :created_at:", "no timezone"],
        ),
        ("submission_1:\n  :created_at: soon\n", ["submission_1: :created_at:", "not an ISO 8601 time"]),
        ("- just\n- a list\n", ["not a Gradescope submission_metadata.yml"]),
    ],
)
def test_a_malformed_metadata_file_is_one_line_naming_the_file(cnngrade, folder, text, words):
    path = folder / "submission_metadata.yml"
    path.write_text(text)
    out = report(cnngrade, folder, "--format", "csv", "--submission-times", path)
    one_error_line(out, str(path), *words)


def test_the_class_overview_shows_days_late_and_the_final_score(cnngrade, folder):
    out = report(
        cnngrade, folder, "--format", "html", "--roster", folder / "roster.csv", "--to", folder / "site"
    )
    assert out.returncode == 0, out.stderr
    index = (folder / "site" / "index.html").read_text()
    assert "<th class='num'>Days late</th><th class='num'>Final score</th>" in index
    assert "<td class='num'>36 / 100</td><td class='num'>2</td><td class='num'>16 / 100</td>" in index
    assert "<td class='num'>0 / 100</td><td class='num'></td><td class='num'>0 / 100</td>" in index
    plain = cnngrade("report", folder / "reports", "--format", "html", "--to", folder / "plain")
    assert plain.returncode == 0 and "Days late" not in (folder / "plain" / "index.html").read_text()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--format", "csv", "--deadline", "2026-11-29T00:00Z"], ["--deadline", "--rubric FILE"]),
        (["--format", "csv", "--rubric", str(CONVNET)], ["has no [late] table"]),
        (
            ["--format", "junit", "--submission-times", "x.yml"],
            ["--submission-times", "csv, html, canvas and moodle"],
        ),
        (["--format", "csv", "--submission-times", "/nowhere/submission_metadata.yml"], ["cannot read"]),
    ],
)
def test_options_that_cannot_apply_are_one_line(cnngrade, folder, args, words):
    one_error_line(cnngrade("report", folder / "reports", *args), *words)


def test_a_bad_late_table_fails_check_and_grade_in_one_line(cnngrade, folder):
    bad = folder / "bad.toml"
    bad.write_text(
        CONVNET.read_text() + LATE.replace("max_penalty_fraction = 0.5", "max_penalty_fraction = 2")
    )
    submission = ROOT / "submissions" / "correct_package"
    one_error_line(cnngrade("check", submission, "--rubric", bad), "late.max_penalty_fraction")
    grade = cnngrade("grade", submission, "--out", folder / "out", "--secret", "s", "--rubric", bad)
    one_error_line(grade, "late.max_penalty_fraction", "less than or equal to 1")
