"""A check's result as GitHub-flavoured Markdown, for a CI job's summary page.

`cnngrade check --summary "$GITHUB_STEP_SUMMARY"` appends it there: GitHub renders the file under
the run. One table row per check (status, id, the figures the notebook prints and the threshold,
points), then what went wrong and the hint under each check that did not pass. Student text is one
line per cell, with Markdown and HTML neutralised, so a submission cannot forge rows or links.
"""

from __future__ import annotations

import re

from grader.export.figures import total_line, with_threshold
from grader.report.models import Report, Status
from grader.report.text import one_line

_MARK = {
    Status.passed: "✅",
    Status.failed: "❌",
    Status.missing: "❌",
    Status.error: "💥",
    Status.timeout: "⏱️",
    Status.skipped: "⏭️",
}
# Characters that make Markdown or HTML syntax in the middle of a line (a table cell, a list
# item's text): emphasis, code, links, strikethrough, a cell break, tags and entities.
_SPECIAL = re.compile(r"([\\`*_\[\]|<>~&])")


def cell(text: str) -> str:
    """`text` as literal text in one table cell (also safe in a list item)."""
    return _SPECIAL.sub(r"\\\1", one_line(text))


def summary(report: Report) -> str:
    rows = [
        f"| {_MARK[c.status]} {c.status.value} | {cell(c.id)} | "
        f"{cell(with_threshold(c))} | {c.points:g} / {c.max_points:g} |"
        for c in report.checks
    ]
    problems = [
        f"- **{cell(c.id)}**: {cell(_joined(c.message) or c.status.value)}"
        + (f" — hint: {cell(c.hint)}" if c.hint else "")
        for c in report.checks
        if c.status not in (Status.passed, Status.skipped)
    ]
    lines = [
        f"### cnngrade: {cell(report.submission.name)}",
        "",
        cell(f"rubric {report.rubric_name()}"),
        "",
        cell(total_line(report)),
        "",
        "| status | check | figures | points |",
        "| --- | --- | --- | ---: |",
        *rows,
    ]
    if report.error:
        lines += ["", f"**Not graded:** {cell(report.error)}"]
    if problems:
        lines += ["", "#### What to fix", "", *problems]
    return "\n".join(lines) + "\n"


def _joined(message: str | None) -> str:
    """A multi-line message on one line, its lines separated by '; '."""
    return "; ".join(line.strip() for line in (message or "").splitlines() if line.strip())
