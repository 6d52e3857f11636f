"""JUnit XML, the test-report format CI systems read (GitHub, GitLab, Jenkins).

One <testsuite> per submission, one <testcase> per check: a failed or missing check is a
<failure>, an error or timeout an <error>, a check not run <skipped>. Captured student
output goes to <system-out>. Attributes (names, messages) are one line each; no text holds a
control character (they are shown as escapes), so neither XML nor a CI log can be broken by
them. A file that is not a report becomes a suite of its own with one <error>.
With overrides (grader/report/overrides.py) the score properties are the overridden ones, and the
properties `raw_score` and `overrides` keep the grader's score and name what changed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from grader.export.common import Unreadable, describe
from grader.report.models import CheckResult, Report, Status
from grader.report.overrides import changes
from grader.report.text import multi_line, one_line

# Characters XML 1.0 forbids even when escaped; student output can hold any of them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_OUTCOME = {
    Status.failed: "failure",
    Status.missing: "failure",
    Status.error: "error",
    Status.timeout: "error",
    Status.skipped: "skipped",
}


def _clean(text: str) -> str:
    """Body text: lines kept, control characters escaped, anything else XML cannot hold replaced."""
    return _NOT_XML.sub("\ufffd", multi_line(text))


def _attr(text: str) -> str:
    return _NOT_XML.sub("\ufffd", one_line(text))


def _testcase(suite: ET.Element, report: Report, check: CheckResult) -> None:
    classname = f"{report.submission.name}.{check.section}" if check.section else report.submission.name
    seconds = f"{check.duration_s or 0:.3f}"
    case = ET.SubElement(suite, "testcase", classname=_attr(classname), name=_attr(check.id), time=seconds)
    outcome = _OUTCOME.get(check.status)
    if outcome:
        detail = ET.SubElement(case, outcome, message=_attr(check.message or check.status.value))
        if outcome != "skipped":
            detail.set("type", check.status.value)
            detail.text = _clean(describe(check, with_output=False))
    if check.output:
        ET.SubElement(case, "system-out").text = _clean(check.output)


def _count(report: Report, outcome: str) -> int:
    return sum(_OUTCOME.get(c.status) == outcome for c in report.checks) + (
        outcome == "error" and report.error is not None
    )


def _unreadable_suite(root: ET.Element, bad: Unreadable) -> None:
    suite = ET.SubElement(root, "testsuite", name=_attr(bad.path.name), tests="1", failures="0", errors="1")
    case = ET.SubElement(suite, "testcase", classname=_attr(bad.path.name), name="report")
    ET.SubElement(case, "error", message=_attr(str(bad)), type="unreadable")


def junit_xml(reports: list[Report], unreadable: Sequence[Unreadable] = ()) -> str:
    """All reports as one JUnit XML document."""
    root = ET.Element("testsuites", name="cnngrade")
    for report in reports:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_attr(report.submission.name),
            tests=str(len(report.checks) + (report.error is not None)),
            failures=str(_count(report, "failure")),
            errors=str(_count(report, "error")),
            skipped=str(_count(report, "skipped")),
            time=f"{report.duration_s or 0:.3f}",
            timestamp=report.started_at.isoformat(timespec="seconds"),
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in [
            ("score", f"{report.score:g}"),
            ("max_score", f"{report.max_score:g}"),
            ("rubric", report.rubric_id),
            ("rubric_title", report.rubric_title),
            ("isolation", report.isolation),
            *(
                [("raw_score", f"{report.overridden.raw_score:g}"), ("overrides", "; ".join(changes(report)))]
                if report.overridden is not None
                else []
            ),
        ]:
            ET.SubElement(properties, "property", name=name, value=_attr(value))
        if report.error:
            case = ET.SubElement(suite, "testcase", classname=_attr(report.submission.name), name="load")
            ET.SubElement(case, "error", message=_attr(report.error), type="load")
        for check in report.checks:
            _testcase(suite, report, check)
    for bad in unreadable:
        _unreadable_suite(root, bad)
    for total in ("tests", "failures", "errors", "skipped"):
        root.set(total, str(sum(int(s.get(total, 0)) for s in root)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def export(reports: list[Report], to: Path, *, unreadable: Sequence[Unreadable] = ()) -> list[Path]:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(junit_xml(reports, unreadable), encoding="utf-8")
    return [to]
