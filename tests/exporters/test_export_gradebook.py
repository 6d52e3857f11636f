import csv
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from report_factory import graded_report

from grader.export import gradebook
from grader.export.common import Unreadable, same_submission
from grader.report.text import may_be_formula


def rows_of(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_a_max_points_row_then_one_row_per_submission_one_column_per_check(tmp_path, reports):
    (path,) = gradebook.export(reports, tmp_path / "grades.csv")
    maxima, *rows = rows_of(path)
    assert maxima["submission"] == "(max points)" and maxima["score"] == "100"
    assert sum(float(maxima[c.id]) for c in reports[0].checks) == 100
    assert [r["submission"] for r in rows] == ["alice", "bob", "carol.zip"]
    assert list(rows[0])[6:] == [c.id for c in reports[0].checks]
    for row, report in zip(rows, reports, strict=True):
        assert float(row["score"]) == report.score
        assert sum(float(row[c.id]) for c in report.checks) == report.score
    assert rows[1]["conv_forward"] == "0" and rows[1]["conv_backward"] == "10"
    assert rows[2]["error"] == "carol.zip is not a valid zip file"


def test_a_name_a_spreadsheet_would_run_is_quoted_as_text(tmp_path):
    report = graded_report('=HYPERLINK("http://x","y")')
    (path,) = gradebook.export([report], tmp_path / "grades.csv")
    (_, row) = rows_of(path)
    assert row["submission"] == '\'=HYPERLINK("http://x","y")'


def test_a_roster_adds_student_ids_and_an_unreadable_report_gets_a_row(tmp_path, reports):
    roster_file = tmp_path / "roster.csv"
    roster_file.write_text("submission,student_id,email\nALICE,s1,alice@uni.edu\nbob,s2,=cmd|x\n")
    roster = gradebook.read_roster(roster_file)
    bad = Unreadable(tmp_path / "dave.json", "Invalid JSON")
    (path,) = gradebook.export(reports, tmp_path / "grades.csv", unreadable=[bad], roster=roster)
    _, alice, bob, carol, dave = rows_of(path)
    assert list(alice)[:3] == ["submission", "student_id", "email"]
    assert (alice["student_id"], alice["email"]) == ("s1", "alice@uni.edu")  # names match without case
    assert bob["email"] == "'=cmd|x" and carol["student_id"] == ""
    assert dave["submission"] == "dave" and dave["score"] == "" and "not a cnngrade report" in dave["error"]


def test_two_reports_of_one_submission_are_flagged_by_hash_or_by_source():
    alice, bob, carol = (
        graded_report("alice", seed=1),
        graded_report("bob", seed=2),
        graded_report("carol", seed=3),
    )
    again = graded_report("alice-2", seed=1)  # the same files graded under another name
    moved = carol.model_copy(update={"submission": carol.submission.model_copy(update={"sha256": "f" * 64})})
    moved = moved.model_copy(update={"submission": moved.submission.model_copy(update={"name": "carol-new"})})
    warnings = same_submission([alice, bob, carol, again, moved])
    assert warnings == [
        "alice, alice-2: reports of the same submission (same sha256)",
        "carol, carol-new: reports of the same submission (same source)",
    ]
    assert same_submission([alice, bob]) == []


# ASCII, full-width and small forms of = + - @
FORMULA_SIGNS = list("=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b")
INVISIBLE = [c for c in map(chr, range(0x3400)) if c.isspace() or unicodedata.category(c) in ("Cc", "Cf")]
INVISIBLE += ["\u3000", "\ufeff", "\u2060", "\u200b"]


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.lists(st.sampled_from(INVISIBLE), max_size=4).map("".join),
    sign=st.sampled_from(FORMULA_SIGNS),
    rest=st.text(max_size=12),
)
def test_no_formula_reaches_a_cell_behind_any_leading_white_space(tmp_path_factory, prefix, sign, rest):
    name = prefix + sign + rest
    report = graded_report(name)
    (path,) = gradebook.export([report], tmp_path_factory.mktemp("csv") / "grades.csv")
    (_, row) = rows_of(path)
    cell = row["submission"]
    # What a spreadsheet that trims on import sees first (control characters are shown as escapes).
    seen = cell.lstrip("".join(INVISIBLE))[:1]
    assert cell.startswith("'") or unicodedata.normalize("NFKC", seen) not in "=+-@", repr(cell)


@given(st.text(alphabet=st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=12))
def test_an_ordinary_name_is_left_as_it_is(name):
    assert not may_be_formula(name)
