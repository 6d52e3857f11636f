import csv

from report_factory import graded_report

from grader.exporters import gradebook


def test_one_row_per_submission_one_column_per_check(tmp_path, reports):
    (path,) = gradebook.export(reports, tmp_path / "grades.csv")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
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
    with path.open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["submission"] == '\'=HYPERLINK("http://x","y")'
