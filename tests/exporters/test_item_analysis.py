"""Item analysis (grader/export/items.py): each check's pass rate, point-biserial discrimination and
most common hint on a small class, against figures computed here independently; the CSV through the
real command and the table in the HTML overview."""

import csv
import math
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
from report_factory import graded_report, unloadable_report

from grader.export.html import index_page
from grader.export.items import EVERYBODY, NOBODY, item_analysis, point_biserial
from grader.report.models import Report, Status, write_report

F, E, S = Status.failed, Status.error, Status.skipped


def student(name: str, seed: int, statuses: dict, hints: dict | None = None, not_applicable=()) -> Report:
    """A graded report with these statuses, these hints on failed checks, and checks that did not apply
    (skipped, worth 0); score and max_score summed again as grading does."""
    data = graded_report(name, seed=seed, statuses=statuses).model_dump()
    for check in data["checks"]:
        if check["id"] in (hints or {}):
            check["hint"] = hints[check["id"]]
        if check["id"] in not_applicable:
            check.update(status="skipped", points=0.0, max_points=0.0, hint=None)
    data["score"] = sum(c["points"] for c in data["checks"])
    data["max_score"] = sum(c["max_points"] for c in data["checks"])
    return Report.model_validate(data)


@pytest.fixture
def klass() -> list[Report]:
    """Five graded students and one that could not be graded. Nobody gets cnn_gradient; everybody
    gets conv_backward; fast_layers did not apply to eve."""
    return [
        student("ann", 0, {"cnn_gradient": F}),
        student("ben", 1, {"conv_forward": F, "train": F, "cnn_gradient": F}, {"conv_forward": "pad"}),
        student(
            "cat", 2, {"conv_forward": F, "max_pool_backward": E, "cnn_gradient": F}, {"conv_forward": "pad"}
        ),
        student("dan", 3, {"train": F, "cnn_gradient": F, "overfit": S}),
        student(
            "eve",
            4,
            {"conv_forward": F, "train": F, "overfit": F, "cnn_gradient": F},
            {"conv_forward": "stride"},
            not_applicable=("fast_layers",),
        ),  # fmt: skip
        unloadable_report(),
    ]


def by_id(klass):
    return {item.id: item for item in item_analysis(klass)}


def test_discrimination_is_the_point_biserial_of_passing_against_the_rest_of_the_score(klass):
    items = by_id(klass)
    graded = klass[:5]
    for check_id in ("conv_forward", "train", "max_pool_backward", "overfit"):
        x = [float(next(c for c in r.checks if c.id == check_id).status is Status.passed) for r in graded]
        y = [r.score - next(c.points for c in r.checks if c.id == check_id) for r in graded]
        assert items[check_id].discrimination == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)
        assert (items[check_id].students, items[check_id].passed) == (5, int(sum(x)))
    # conv_forward by hand: passed by ann and dan. Scores: ann 90, ben 72, cat 74, dan 70, eve 56
    # (eve's max is 94: fast_layers did not apply); rest = score less conv_forward's 8 if passed.
    rest = {"ann": 82, "ben": 72, "cat": 74, "dan": 62, "eve": 56}
    assert [r.score for r in graded] == [90, 72, 74, 70, 56]
    m1, m0 = (82 + 62) / 2, (72 + 74 + 56) / 3
    mean = sum(rest.values()) / 5
    sd = math.sqrt(sum((v - mean) ** 2 for v in rest.values()) / 5)
    p = 2 / 5
    assert items["conv_forward"].discrimination == pytest.approx((m1 - m0) / sd * math.sqrt(p * (1 - p)))


def test_the_most_common_hint_among_those_who_did_not_pass(klass):
    items = by_id(klass)
    assert (items["conv_forward"].common_hint, items["conv_forward"].common_hint_count) == ("pad", 2)
    assert items["conv_backward"].common_hint is None  # nobody failed it


def test_checks_everybody_or_nobody_passes_are_flagged_without_a_number(klass):
    items = by_id(klass)
    assert (items["conv_backward"].discrimination, items["conv_backward"].note) == (None, EVERYBODY)
    assert (items["cnn_gradient"].discrimination, items["cnn_gradient"].note) == (None, NOBODY)
    assert items["cnn_gradient"].pass_rate == 0 and items["conv_backward"].pass_rate == 1
    assert items["conv_forward"].note == ""


def test_ungraded_reports_and_checks_that_did_not_apply_are_left_out(klass):
    items = by_id(klass)
    assert {item.students for i, item in items.items() if i != "fast_layers"} == {5}  # not carol.zip
    assert (items["fast_layers"].students, items["fast_layers"].passed) == (4, 4)  # not eve


def test_point_biserial_is_undefined_for_a_flat_rest_or_a_single_student():
    assert point_biserial([1, 0, 1], [10.0, 10.0, 10.0]) is None
    assert point_biserial([1], [3.0]) is None
    assert point_biserial([1, 0], [0.1 + 0.2, 0.3]) is None  # float noise is no difference
    assert point_biserial([1, 0], [1.5, 0.5]) == 1.0


def test_the_items_csv_through_the_command_has_no_nan(klass, tmp_path):
    for report in klass:
        write_report(report, tmp_path / "reports" / f"{report.submission.name}.json")
    to = tmp_path / "items.csv"
    out = subprocess.run(
        [sys.executable, "-m", "grader.cli", "report", str(tmp_path / "reports"), "--format", "items",
         "--to", str(to)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    text = to.read_text(encoding="utf-8")
    assert "nan" not in text.lower() and "inf" not in text.lower()
    rows = {row["check"]: row for row in csv.DictReader(text.splitlines())}
    assert list(next(iter(rows.values()))) == [
        "check", "title", "max_points", "students", "passed", "pass_rate",
        "discrimination", "note", "common_hint", "common_hint_count",
    ]  # fmt: skip
    expected = by_id(klass)["conv_forward"].discrimination
    assert rows["conv_forward"]["discrimination"] == f"{expected:.3f}"
    assert (rows["conv_forward"]["passed"], rows["conv_forward"]["pass_rate"]) == ("2", "0.400")
    assert rows["conv_forward"]["common_hint"] == "pad"
    assert (rows["conv_backward"]["discrimination"], rows["conv_backward"]["note"]) == ("", EVERYBODY)


class Tables(HTMLParser):
    """The cells' text of every table row, by table id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.table is not None:
            self.table[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_the_class_overview_has_the_item_analysis_table(klass):
    page = index_page(klass, [f"{r.submission.name}.html" for r in klass])
    assert "<h2>Checks: item analysis</h2>" in page
    parser = Tables()
    parser.feed(page)
    head, *rows = parser.tables["items"]
    assert head == ["Check", "Passed", "Discrimination", "Note", "Most common hint when not passed"]
    cells = {row[0].split()[-1]: row for row in rows}
    expected = by_id(klass)["conv_forward"].discrimination
    assert cells["conv_forward"][1:] == ["2 / 5", f"{expected:.2f}", "", "pad (2)"]
    assert cells["conv_backward"][1:4] == ["5 / 5", "", EVERYBODY]
    assert cells["cnn_gradient"][1:4] == ["0 / 5", "", NOBODY]
    assert "nan" not in " ".join(" ".join(row) for row in rows).lower()
