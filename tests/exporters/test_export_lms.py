"""`cnngrade report --format canvas | moodle`: real report files, a real roster, the real command in a
subprocess, and the written file read back with the csv module as the LMS's importer would."""

import csv
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from report_factory import buggy_report, graded_report, unloadable_report

from grader.report.models import Report, Status, write_report

ROOT = Path(__file__).resolve().parents[2]
LATE = """
[late]
deadline = 2026-11-27T23:59:00+01:00
grace_minutes = 15
penalty_fraction_per_day = 0.1
max_penalty_fraction = 0.5
"""
ROSTER = (
    "submission,student,canvas_id,sis_user_id,sis_login_id,section,participant_id,full_name,email,submitted_at\n"
    'alice,"Liddell, Alice",101,S-1,alice@uni.edu,Sec A,11,Alice Liddell,alice@uni.edu,'
    "2026-11-28T00:14:00+01:00\n"
    "bob,=HYPERLINK(\"http://x\"),102,S-2,bob,Sec B,Participant 12,=cmd|' /C calc'!A0,bob@uni.edu,"
    "2026-11-28T22:59:01Z\n"
    "carol.zip,Carol,103,,,Sec A,13,Carol,carol@uni.edu,\n"
    "dave,Dave,104,,,Sec A,14,Dave,dave@uni.edu,\n"  # no report: an empty grade
)
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = [
    "Identifier",
    "Full name",
    "Email address",
    "Status",
    "Grade",
    "Maximum Grade",
    "Grade can be changed",
    "Last modified (submission)",
    "Last modified (grade)",
    "Feedback comments",
]


def cnngrade(*args) -> subprocess.CompletedProcess:
    """The real command in a real process, as an instructor runs it."""
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", *map(str, args)], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def folder(tmp_path):
    """alice (all passed), bob (36 points), carol.zip (could not be graded), erin (no roster row),
    a roster that also lists dave (no report), a rubric with a late policy."""
    erin = graded_report("erin", seed=4, statuses={"train": Status.failed})
    for report in (graded_report(), buggy_report(), unloadable_report(), erin):
        write_report(report, tmp_path / "reports" / f"{report.submission.name}.json")
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "late.toml").write_text((ROOT / "rubrics" / "convnet.toml").read_text() + LATE)
    return tmp_path


def table(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def one_error_line(out, *words):
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("cnngrade: error: ")
    for word in words:
        assert word in out.stderr, out.stderr


def canvas(folder, *args):
    to = folder / "canvas.csv"
    out = cnngrade(
        "report", folder / "reports", "--format", "canvas", "--roster", folder / "roster.csv",
        "--assignment-id", "4711", "--to", to, *args,
    )  # fmt: skip
    return out, to


def test_canvas_has_the_id_columns_the_assignment_column_and_the_points_possible_row(folder):
    out, to = canvas(folder, "--assignment-title", "Convolutional Networks")
    assert out.returncode == 0, out.stderr
    header, points, *students = table(to)
    assert header == [*CANVAS_HEADER, "Convolutional Networks (4711)"]
    assert points == ["    Points Possible", "", "", "", "", "100"]
    rows = {row[1]: row for row in students}
    assert list(rows) == ["101", "102", "103", "104"]  # the roster's order, every roster student
    assert rows["101"] == ["Liddell, Alice", "101", "S-1", "alice@uni.edu", "Sec A", "100"]
    assert rows["102"][2:6] == ["S-2", "bob", "Sec B", "36"]
    assert all(len(row) == len(header) for row in students)


def test_canvas_guards_a_formula_name_and_leaves_missing_and_ungraded_students_empty(folder):
    out, to = canvas(folder)
    assert out.returncode == 0, out.stderr
    rows = {row[1]: row for row in table(to)[2:]}
    assert rows["102"][0] == '\'=HYPERLINK("http://x")'  # a spreadsheet shows it, never runs it
    assert rows["104"][-1] == ""  # dave: no report, no 0
    assert rows["103"][-1] == ""  # carol.zip: not graded, no 0
    assert "carol.zip: not graded" in out.stderr


def test_a_report_without_a_roster_row_is_one_warning_and_left_out(folder):
    out, to = canvas(folder)
    assert out.returncode == 0, out.stderr
    warnings = [line for line in out.stderr.splitlines() if line.startswith("cnngrade: warning: erin")]
    assert warnings == [
        "cnngrade: warning: erin: no roster row, left out of the LMS file (add it to the roster)"
    ]
    assert not any("erin" in cell for row in table(to) for cell in row)


def test_missing_as_zero_gives_a_missing_student_zero_but_not_an_ungraded_one(folder):
    out, to = canvas(folder, "--missing-as-zero")
    assert out.returncode == 0, out.stderr
    rows = {row[1]: row for row in table(to)[2:]}
    assert rows["104"][-1] == "0"
    assert rows["103"][-1] == ""


def test_the_grade_is_the_final_score_after_the_late_policy(folder):
    out, to = canvas(folder, "--rubric", folder / "late.toml")
    assert out.returncode == 0, out.stderr
    rows = {row[1]: row for row in table(to)[2:]}
    assert rows["101"][-1] == "100"  # within the grace period
    assert rows["102"][-1] == "16"  # 36 less two started days at 10 points


def test_canvas_needs_a_numeric_assignment_id_and_a_roster(folder):
    reports, roster = folder / "reports", folder / "roster.csv"
    one_error_line(cnngrade("report", reports, "--format", "canvas", "--roster", roster), "--assignment-id")
    out = cnngrade("report", reports, "--format", "canvas", "--roster", roster, "--assignment-id", "abc")
    one_error_line(out, "--assignment-id", "number")
    one_error_line(cnngrade("report", reports, "--format", "canvas", "--assignment-id", "1"), "--roster")
    out = cnngrade("report", reports, "--format", "csv", "--assignment-id", "1", "--to", folder / "g.csv")
    one_error_line(out, "--assignment-id", "canvas")


def test_a_roster_row_canvas_cannot_match_is_one_error_line(folder):
    (folder / "roster.csv").write_text("submission,student,canvas_id\nalice,Alice,\n")
    one_error_line(canvas(folder)[0], "'alice'", "canvas_id")
    (folder / "roster.csv").write_text("submission,student,sis_user_id\nalice,Alice,=1+1\n")
    one_error_line(canvas(folder)[0], "'alice'", "sis_user_id")


def moodle(folder, *args):
    to = folder / "moodle.csv"
    out = cnngrade(
        "report",
        folder / "reports",
        "--format",
        "moodle",
        "--roster",
        folder / "roster.csv",
        "--to",
        to,
        *args,
    )
    return out, to


def test_moodle_worksheet_has_the_columns_its_upload_reads(folder):
    out, to = moodle(folder)
    assert out.returncode == 0, out.stderr
    header, *students = table(to)
    assert header == MOODLE_HEADER
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in students}
    assert list(rows) == ["Participant 11", "Participant 12", "Participant 13", "Participant 14"]
    alice, bob = rows["Participant 11"], rows["Participant 12"]
    assert (alice["Full name"], alice["Email address"], alice["Grade"], alice["Maximum Grade"]) == (
        "Alice Liddell", "alice@uni.edu", "100", "100",
    )  # fmt: skip
    assert bob["Grade"] == "36" and bob["Status"] == "Submitted for grading"
    # Moodle skips a row whose grade time is older than its own grade: the time this file was written.
    written = datetime.fromisoformat(alice["Last modified (grade)"])
    assert (
        written.utcoffset() is not None
        and abs((datetime.now(written.tzinfo) - written).total_seconds()) < 300
    )
    assert datetime.fromisoformat(alice["Last modified (submission)"]).utcoffset() is not None
    assert rows["Participant 14"]["Grade"] == "" and rows["Participant 14"]["Status"] == "No submission"
    assert rows["Participant 13"]["Grade"] == ""  # not graded: empty, never 0
    assert bob["Feedback comments"].startswith(
        "cnngrade: 36 / 100 points. not passed: Naive conv forward (failed)"
    )
    assert "erin: no roster row" in out.stderr


def test_moodle_guards_names_and_feedback(folder):
    data = graded_report("alice", statuses={"conv_forward": Status.failed}).model_dump()
    data["checks"][0]["title"] = "<b>conv</b>\n=evil\x1b[2J"  # markup, a line break, a terminal escape
    write_report(Report.model_validate(data), folder / "reports" / "alice.json")
    out, to = moodle(folder, "--missing-as-zero")
    assert out.returncode == 0, out.stderr
    header, *students = table(to)
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in students}
    assert rows["Participant 12"]["Full name"] == "'=cmd|' /C calc'!A0"
    comment = rows["Participant 11"]["Feedback comments"]
    assert "\n" not in comment and "\x1b" not in comment and "<b>" not in comment
    assert "&lt;b&gt;conv&lt;/b&gt;\\n=evil\\x1b[2J (failed)" in comment
    assert rows["Participant 14"]["Grade"] == "0"


def test_a_participant_id_that_is_not_moodles_number_is_one_error_line(folder):
    (folder / "roster.csv").write_text("submission,participant_id\nalice,user-7\n")
    one_error_line(moodle(folder)[0], "'alice'", "participant_id", "Participant")


def test_moodle_grade_and_feedback_after_the_late_policy(folder):
    out, to = moodle(folder, "--rubric", folder / "late.toml")
    assert out.returncode == 0, out.stderr
    header, *students = table(to)
    bob = next(dict(zip(header, row, strict=True)) for row in students if row[0] == "Participant 12")
    assert bob["Grade"] == "16"
    assert bob["Feedback comments"].startswith("cnngrade: 16 / 100 points (2 days late: -20)")
    submitted = datetime.fromisoformat(bob["Last modified (submission)"])
    assert submitted == datetime.fromisoformat("2026-11-28T22:59:01Z")
