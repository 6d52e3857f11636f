"""Names, messages and output with control characters and lone surrogates, through every output.

Whatever a student puts in a file name, an exception message or their printed output, no
exporter, table, progress line or annotation may carry a raw control character (an ESC
sequence, a carriage return, a bidi override) or invalid UTF-8; only multi-line bodies keep
their newlines.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_factory import buggy_report

from grader.cli.check import annotations
from grader.export import gradebook, gradescope, html, junit, markdown
from grader.export.common import load_reports
from grader.report.models import Finding, Report, dump_report
from grader.run.batch import Job, Outcome, summary
from grader.run.console import Progress, check_table

# Every control character a terminal, a spreadsheet or a log viewer acts on.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
NOT_A_LINE_BREAK = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
HOSTILE = [
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\x9b31m",
    "\u202e",
    "\t",
    "\ud800",
    "\udfff",
]

texts = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(HOSTILE)), min_size=1, max_size=6).map(
    "".join
)


def poisoned(name: str, message: str, output: str) -> Report:
    report = buggy_report(name)
    checks = [
        c.model_copy(
            update={"message": message, "hint": message, "output": output, "id": f"{c.id}{message[:3]}"}
        )
        if c.status.value != "passed"
        else c.model_copy(update={"artifacts": None})  # plots are drawn elsewhere; here they only cost time
        for c in report.checks
    ]
    finding = Finding(kind="notebook.cell_magic", file=name, line=3, message=message)
    data = report.model_copy(update={"checks": checks, "findings": [finding], "error": message}).model_dump()
    data["duration_s"] = data["student_time_s"] = float("nan")  # a forged clock: absent, not an error
    data["checks"][0]["duration_s"] = float("inf")
    return Report.model_validate(data)  # as read back from disk: the model cleans on validation


def assert_safe(text: str, *, lines: bool) -> None:
    text.encode("utf-8")  # no lone surrogates
    assert not (NOT_A_LINE_BREAK if lines else CONTROL).search(text), repr(text)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=texts, message=texts, output=texts)
def test_no_output_carries_a_raw_control_character(tmp_path_factory, name, message, output):
    tmp = tmp_path_factory.mktemp("out")
    report = poisoned(name, message, output)
    dump_report(report)  # survives the round trip

    rows = list(csv.reader(io.StringIO(gradebook.gradebook_csv([report]))))
    assert len(rows) == 3  # header, max points, the report: no forged rows
    for cell in (c for row in rows for c in row):
        assert_safe(cell, lines=False)

    xml = junit.junit_xml([report])
    root = ET.fromstring(xml.encode("utf-8"))
    for element in root.iter():
        for value in element.attrib.values():
            assert_safe(value, lines=False)
        assert_safe(element.text or "", lines=True)

    results = gradescope.results(report)
    assert_safe(results["output"], lines=True)
    for test in results["tests"]:
        assert_safe(test["name"], lines=False)
        assert_safe(test["output"], lines=True)
    json.dumps(results).encode("utf-8")

    page = html.submission_page(report)
    assert_safe(page, lines=True)

    table = check_table(report, width=100, verbose=True)
    assert_safe(table, lines=True)
    assert not any(line.startswith("total") for line in table.splitlines()[:-1])  # one total: the real one

    md = markdown.summary(report)
    assert_safe(md, lines=True)
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(report.checks)  # header, rule, one per check: no forged rows
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 5 for row in rows)  # four cells each

    for line in annotations(report).splitlines():
        assert_safe(line, lines=True)  # a tab may stay; a line break cannot
        assert line.startswith(("::error ", "::warning ", "::notice "))

    stream = io.StringIO()
    Progress(1, 1, stream).advance(report.submission.name, message, 3.0, problem=True)
    assert_safe(stream.getvalue().removesuffix("\n"), lines=False)

    job = Job(report.submission.name, tmp / "x.py", tmp / "x.json")
    text = summary(
        [Outcome(job, "graded", 1.0, report=report), Outcome(job, "crashed", 1.0, message=message)], 2.0
    )
    assert_safe(text, lines=True)
    # counts, rubric, scores, failing checks, "problems:", the two problems, the slowest: no forged lines
    assert len(text.splitlines()) == 8


def test_an_html_page_escapes_markup_in_names_and_messages():
    report = poisoned("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</pre><b>")
    page = html.submission_page(report)
    assert "<script>alert" not in page and "<img src=x" not in page and "</pre><b>" not in page
    index = html.index_page([report], ["a.html"])
    assert "<script>alert" not in index


def test_the_markdown_summary_neutralises_links_and_tags():
    report = poisoned("[x](http://evil)", "<img src=x onerror=alert(1)> | **bold** `code`", "")
    md = markdown.summary(report)
    for raw in (r"<img", r"\[x\]\(", r"\*\*bold", r"`code"):
        assert not re.search(r"(?<!\\)" + raw, md), raw  # only ever escaped
    assert "\\<img src=x onerror=alert(1)\\> \\| \\*\\*bold\\*\\* \\`code\\`" in md


def test_a_file_that_is_not_a_report_is_named_safely(tmp_path):
    (tmp_path / "ok.json").write_text(buggy_report().model_dump_json())
    (tmp_path / "x\x1b[2J\rname.json").write_text("{")
    reports, (bad,) = load_reports(tmp_path)
    assert len(reports) == 1
    assert_safe(str(bad), lines=False) and "x\\x1b[2J\\rname.json is not a cnngrade report" in str(bad)
    rows = list(csv.reader(io.StringIO(gradebook.gradebook_csv(reports, [bad]))))
    assert rows[-1][0] == "x\\x1b[2J\\rname"
