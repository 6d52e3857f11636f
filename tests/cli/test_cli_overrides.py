"""`cnngrade report --overrides`: the instructor's grade changes in every output, never in the
reports, and still there after a regrade. Real submissions graded for real, the real command, every
output parsed back."""

import csv
import json
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from classroom import SUBMISSIONS, lean_rubric

from grader.report.models import ReportError, read_report, write_report
from grader.report.overrides import apply_overrides, read_overrides
from grader.report.text import may_be_formula

# Only the reference_match checks (33 points): a real grading in about a second.
SLOW_KINDS = ("train", "fast_speedup", "numeric_gradient", "fast_agreement", "cnn_init", "initial_loss",
              "cnn_gradient")  # fmt: skip
# A reason a spreadsheet would run, a page would run, and a terminal would obey.
REASON = '=HYPERLINK("http://evil") <script>alert(1)</script> sick\x1b[2J note'
SHOWN = REASON.replace("\x1b", "\\x1b")  # as every output shows it: on one line, the escape visible
IN_TOML = REASON.replace('"', '\\"').replace("\x1b", "\\u001b")
IN_CSV = REASON.replace('"', '""')
OVERRIDES = f"""
[[override]]
submission = "alice"
check = "conv_forward.hidden"
excused = true
reason = "{IN_TOML}"
who = "@Dr. <b>Lee</b>"
when = 2026-12-01T10:00:00+01:00

[[override]]
submission = "Bob"              # names match without regard to case, as in the roster
check = "conv_forward.public"
points = 2
reason = "a first look"

[[override]]
submission = "bob"
check = "conv_forward.public"
points = 3
reason = "regrade request accepted: the padding was set in the notebook"
who = "TA Kim"

[[override]]
submission = "erin"
check = "total"
points = 30
reason = "graded by hand: the zip was damaged, the files came by mail"

[[override]]
submission = "ghost"
check = "total"
points = 1
reason = "left the course"

[[override]]
submission = "alice"
check = "old.check"
points = 1
reason = "a check of last year's rubric"
"""
# The same rows as a spreadsheet would save them.
OVERRIDES_CSV = (
    "submission,check,points,excused,reason,who,when\r\n"
    f'alice,conv_forward.hidden,,true,"{IN_CSV}",@Dr. <b>Lee</b>,2026-12-01T10:00:00+01:00\r\n'
    "Bob,conv_forward.public,2,,a first look,,\r\n"
    "bob,conv_forward.public,3,,regrade request accepted: the padding was set in the notebook,TA Kim,\r\n"
    ",,,,,,\r\n"
    'erin,total,30,,"graded by hand: the zip was damaged, the files came by mail",,\r\n'
    "ghost,total,1,,left the course,,\r\n"
    "alice,old.check,1,,a check of last year's rubric,,\r\n"
)
ROSTER = "submission,student,canvas_id,participant_id,submitted_at\r\n" + (
    "alice,Alice,101,11,2026-11-28T10:00:00+01:00\r\nbob,Bob,102,12,2026-11-29T10:00:00+01:00\r\n"
    "erin,Erin,103,13,\r\n"
)
LATE = """
[late]
deadline = 2026-11-27T23:59:00+01:00
penalty_fraction_per_day = 0.1
"""
FORMATS = {
    "csv": ("grades.csv", []),
    "canvas": ("canvas.csv", ["--assignment-id", "4711", "--roster", "roster.csv"]),
    "moodle": ("moodle.csv", ["--roster", "roster.csv"]),
    "gradescope": ("gradescope", []),
    "junit": ("junit.xml", []),
    "html": ("html", []),
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return lean_rubric(tmp_path_factory.mktemp("rubric") / "tiny.toml", drop_kinds=SLOW_KINDS)


def make_class(root: Path) -> Path:
    """alice: correct (33 / 33); bob: no padding (25); erin: a zip that cannot be read (not graded)."""
    root.mkdir(parents=True)
    shutil.copy(SUBMISSIONS / "correct_module" / "convnet_hw.py", root / "alice.py")
    shutil.copy(SUBMISSIONS / "buggy" / "conv_no_padding" / "convnet_hw.py", root / "bob.py")
    (root / "erin.zip").write_bytes(b"this is not a zip archive")
    return root


def grade(cnngrade, klass: Path, out: Path, rubric: Path, *more: str) -> None:
    done = cnngrade("grade", klass, "--out", out, "--secret", "s", "--rubric", rubric, "--jobs", "2", *more)
    assert done.returncode == 0, done.stdout + done.stderr  # erin has a report: "not a readable zip"


@pytest.fixture(scope="module")
def graded(tmp_path_factory, tiny, cnngrade):
    """A graded class folder, shared by the tests that only read it."""
    root = tmp_path_factory.mktemp("graded")
    grade(cnngrade, make_class(root / "class"), root / "reports", tiny)
    assert {p.stem: read_report(p).score for p in (root / "reports").glob("*.json")} == {
        "alice": 33, "bob": 25, "erin": 0,
    }  # fmt: skip
    return root


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def cells_of(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return [cell for row in csv.reader(f) for cell in row]


class Text(HTMLParser):
    """The text a browser shows, and the tags a page holds."""

    def __init__(self, page: str):
        super().__init__()
        self.text, self.tags = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)

    def __str__(self):
        return "".join(self.text)


def render(cnngrade, reports: Path, where: Path, overrides: Path) -> dict[str, str]:
    """Every format with the overrides into `where` (the LMS files with ROSTER); the stderr of each."""
    where.mkdir()
    (where / "roster.csv").write_text(ROSTER)
    said = {}
    for fmt, (target, args) in FORMATS.items():
        done = cnngrade("report", reports, "--format", fmt, "--to", target, "--overrides", overrides, *args,
                        cwd=where)  # fmt: skip
        assert done.returncode == 0, done.stderr
        said[fmt] = done.stderr
    return said


@pytest.mark.slow  # grades the class twice
def test_every_output_carries_the_overrides_and_a_regrade_keeps_them(cnngrade, tiny, tmp_path):
    klass, reports = make_class(tmp_path / "class"), tmp_path / "reports"
    grade(cnngrade, klass, reports, tiny)
    on_disk = {p.name: p.read_bytes() for p in reports.glob("*.json")}
    (tmp_path / "overrides.toml").write_text(OVERRIDES)
    said = render(cnngrade, reports, tmp_path / "first", tmp_path / "overrides.toml")

    for stderr in said.values():
        lines = stderr.splitlines()
        assert (
            "cnngrade: warning: overrides: 1 row names no submission in the reports, not applied: ghost"
            in lines
        )
        assert (
            "cnngrade: warning: overrides: 1 row names a check the submission's report lacks, "
            "not applied: alice: old.check"
        ) in lines
        replaced = "[[override]] 3 replaces [[override]] 2 (bob, conv_forward.public): the later row wins"
        assert any(replaced in line for line in lines)
    # The reports stay what the grader computed.
    assert {p.name: p.read_bytes() for p in reports.glob("*.json")} == on_disk

    first = tmp_path / "first"
    book = {r["submission"]: r for r in rows_of(first / "grades.csv")}
    assert {n: (r["raw_score"], r["score"], r["max_score"]) for n, r in book.items()} == {
        "(max points)": ("33", "33", "33"), "alice": ("33", "25", "25"), "bob": ("25", "28", "33"),
        "erin": ("0", "30", "33"),
    }  # fmt: skip
    assert book["alice"]["conv_forward.hidden"] == "excused" and book["alice"]["overrides"] == (
        "conv_forward.hidden: excused (8 points)"
    )
    assert (
        book["bob"]["conv_forward.public"] == "3"
        and book["bob"]["overrides"] == "conv_forward.public: 0 -> 3"
    )
    assert book["erin"]["overrides"] == "total: 0 -> 30" and "not a readable zip" in book["erin"]["error"]

    canvas = rows_of(first / "canvas.csv")
    assert canvas[0]["convnet (4711)"] == "33"  # points possible: the full maximum
    # alice's 25 of the 25 left after the excused check is all of the assignment's 33
    assert {r["ID"]: r["convnet (4711)"] for r in canvas[1:]} == {"101": "33", "102": "28", "103": "30"}
    moodle = {r["Identifier"]: r for r in rows_of(first / "moodle.csv")}
    assert {i: r["Grade"] for i, r in moodle.items()} == {"Participant 11": "33", "Participant 12": "28",
                                                          "Participant 13": "30"}  # fmt: skip
    feedback = moodle["Participant 11"]["Feedback comments"]
    assert "changed by the instructor: conv_forward.hidden: excused (8 points)" in feedback
    assert "&lt;script&gt;" in feedback and "<script>" not in feedback and "\x1b" not in feedback
    for file in ("grades.csv", "canvas.csv", "moodle.csv"):  # "-": Moodle's own cell for a time not known
        assert not any(may_be_formula(cell) for cell in cells_of(first / file) if cell != "-"), file

    results = {p.name: json.loads(p.read_text()) for p in (first / "gradescope").glob("*.json")}
    alice = results["alice.results.json"]
    assert alice["score"] == 25
    hidden = next(t for t in alice["tests"] if "conv_forward.hidden" in t["name"])
    assert (hidden["score"], hidden["max_score"]) == (0, 0)
    assert f"Changed by the instructor, excused (8 points): {SHOWN}" in hidden["output"]
    assert (
        "(by @Dr. <b>Lee</b>, 2026-12-01T10:00+01:00)" in hidden["output"] and "\x1b" not in hidden["output"]
    )
    assert "conv_forward.hidden: Changed by the instructor" in alice["output"]
    assert results["bob.results.json"]["score"] == 28 and results["erin.results.json"]["score"] == 30

    suites = {s.get("name"): s for s in ET.parse(first / "junit.xml").getroot()}
    properties = {p.get("name"): p.get("value") for p in suites["bob"].iter("property")}
    assert (properties["score"], properties["raw_score"]) == ("28", "25")
    assert properties["overrides"] == "conv_forward.public: 0 -> 3"

    page = (first / "html" / "alice.html").read_text()
    shown = Text(page)
    assert "script" not in shown.tags and "b" not in shown.tags  # the reason and who are text, not markup
    assert "Changes by the instructor" in str(shown) and "The grader gave 33 / 33 points" in str(shown)
    assert SHOWN in str(shown)
    assert "by @Dr. <b>Lee</b>, 2026-12-01T10:00+01:00" in str(shown) and "25 / 25 points" in str(shown)
    overview = str(Text((first / "html" / "index.html").read_text()))
    assert "25 / 25grader: 33 / 33" in overview and "28 / 33grader: 25 / 33" in overview
    assert "mean 30.3 / 33" in overview  # of 33 (alice's scaled back), 28 and 30

    # A regrade of everything, then the same overrides: the same outputs.
    grade(cnngrade, klass, reports, tiny, "--regrade-all")
    assert all(read_report(p).overridden is None for p in reports.glob("*.json"))
    assert read_report(reports / "alice.json").score == 33
    render(cnngrade, reports, tmp_path / "again", tmp_path / "overrides.toml")
    again = tmp_path / "again"
    for file in ("grades.csv", "canvas.csv"):
        assert (again / file).read_text() == (first / file).read_text(), file

    def moodle_rows(where):
        return [
            {k: v for k, v in r.items() if k != "Last modified (grade)"}
            for r in rows_of(where / "moodle.csv")
        ]

    assert moodle_rows(again) == moodle_rows(first)
    for name in results:
        other = json.loads((again / "gradescope" / name).read_text())
        assert {**other, "execution_time": 0} == {**results[name], "execution_time": 0}
    for suite in ET.parse(again / "junit.xml").getroot():
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert properties == {
            p.get("name"): p.get("value") for p in suites[suite.get("name")].iter("property")
        }

    def changes_table(where):
        page = (where / "html" / "alice.html").read_text()
        return page[page.index("<h2>Changes by the instructor") : page.index("<h2>Checks")]

    assert changes_table(again) == changes_table(first)


def test_a_csv_overrides_file_gives_what_the_toml_one_gives(cnngrade, graded, tmp_path):
    (tmp_path / "o.toml").write_text(OVERRIDES)
    (tmp_path / "o.csv").write_bytes(OVERRIDES_CSV.encode())
    books = []
    for name in ("o.toml", "o.csv"):
        done = cnngrade("report", graded / "reports", "--format", "csv", "--overrides", tmp_path / name,
                        "--to", tmp_path / f"{name}.grades.csv")  # fmt: skip
        assert done.returncode == 0, done.stderr
        books.append((tmp_path / f"{name}.grades.csv").read_text())
        assert "row 4 replaces row 3" in done.stderr or "[[override]] 3 replaces" in done.stderr
    assert books[0] == books[1]


def test_the_late_policy_takes_its_penalty_from_the_overridden_score(cnngrade, graded, tiny, tmp_path):
    late = tmp_path / "late.toml"
    late.write_text(tiny.read_text() + LATE)
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "overrides.toml").write_text(OVERRIDES)
    common = [
        "--overrides",
        tmp_path / "overrides.toml",
        "--rubric",
        late,
        "--roster",
        tmp_path / "roster.csv",
    ]
    for fmt, more in (("csv", []), ("canvas", ["--assignment-id", "4711"])):
        done = cnngrade("report", graded / "reports", "--format", fmt, "--to", tmp_path / f"{fmt}.csv",
                        *common, *more)  # fmt: skip
        assert done.returncode == 0, done.stderr
    book = {r["submission"]: r for r in rows_of(tmp_path / "csv.csv")}
    # bob: 2 started days late, 10 % of 33 a day off the overridden 28
    assert (book["bob"]["late_days"], book["bob"]["late_penalty"], book["bob"]["final_score"]) == (
        "2",
        "6.6",
        "21.4",
    )
    # alice: 1 day, 10 % of the 25 left after the excused check, off 25
    assert (book["alice"]["late_penalty"], book["alice"]["final_score"]) == ("2.5", "22.5")
    canvas = {r["ID"]: r["convnet (4711)"] for r in rows_of(tmp_path / "canvas.csv")[1:]}
    assert canvas == {"101": "29.7", "102": "21.4", "103": "30"}  # alice's 22.5 of 25 is 29.7 of 33


def bob(*lines: str) -> str:
    """A TOML overrides file of one row for bob, with these lines."""
    return "\n".join(['[[override]]', 'submission = "bob"', *lines, ""])


TOTAL, PUBLIC, REASON_R = 'check = "total"', 'check = "conv_forward.public"', 'reason = "r"'
BAD_FILES = [
    ("o.toml", bob(TOTAL, "points = 3"), "o.toml, [[override]] 1, field 'reason': required"),
    ("o.toml", bob(TOTAL, REASON_R), "field 'points': give points, or excused = true"),
    ("o.toml", bob(PUBLIC, "points = 1", "excused = true", REASON_R), "points or excused = true, not both"),
    ("o.toml", bob(TOTAL, "excused = true", REASON_R), "field 'excused': a whole submission cannot be"),
    ("o.toml", bob(TOTAL, "points = 3", REASON_R, "when = 2026-12-01T10:00:00"), "'when': Input should have"),
    ("o.toml", bob(TOTAL, "points = -1", REASON_R), "'points': Input should be greater than or equal"),
    ("o.toml", bob(TOTAL, "points = 3", REASON_R, "grade = 3"), "field 'grade': Extra inputs"),
    ("o.toml", bob(PUBLIC, "points = 4", REASON_R), "'points': 4 is more than conv_forward.public is worth"),
    ("o.toml", bob(TOTAL, "points = 34", REASON_R), "'points': 34 is more than the maximum score of bob, 33"),
    ("o.toml", "[override\n", "cannot read overrides"),
    ("o.csv", "submission,check,points,reason\nbob,total,3,ok\nbob,total,lots,r\n",
     "o.csv, row 3, field 'points': Input should be a valid number"),
    ("o.csv", "submission,check,points,reason,when\nbob,total,3,ok,yesterday\n",
     "o.csv, row 2, field 'when': Input should be a valid datetime"),
    ("o.csv", "submission,check,pts,reason\n", "o.csv, row 1: unknown column 'pts'"),
    ("o.txt", "", "o.txt: a .toml or .csv file"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "expected"), BAD_FILES)
def test_a_malformed_overrides_file_is_one_line_naming_its_row_and_field(
    cnngrade, graded, tmp_path, name, text, expected
):
    (tmp_path / name).write_text(text)
    done = cnngrade("report", graded / "reports", "--format", "csv", "--overrides", tmp_path / name,
                    "--to", tmp_path / "grades.csv")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("cnngrade: error: "), done.stderr
    assert expected in done.stderr and name in done.stderr
    assert not (tmp_path / "grades.csv").exists()


def test_the_item_analysis_takes_no_overrides_and_no_override_reaches_a_report_file(
    cnngrade, graded, tmp_path
):
    (tmp_path / "o.toml").write_text(OVERRIDES)
    done = cnngrade("report", graded / "reports", "--format", "items", "--overrides", tmp_path / "o.toml")
    assert (
        done.returncode == 2
        and "--overrides: only the gradescope, junit, csv, html, canvas and moodle" in done.stderr
    )

    copy = apply_overrides(
        [read_report(graded / "reports" / "alice.json")], read_overrides(tmp_path / "o.toml")
    )
    assert copy.reports[0].score == 25 and copy.reports[0].overridden.raw_score == 33
    with pytest.raises(ReportError, match="carries overrides"):
        write_report(copy.reports[0], tmp_path / "alice.json")
    assert not (tmp_path / "alice.json").exists()
