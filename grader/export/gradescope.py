"""Gradescope's `results.json`, per its autograder specification.

Fields used: top level `score`, `execution_time` (seconds), `output`, `tests`; each test
`name`, `number`, `score`, `max_score`, `status` ("passed" / "failed"), `output`, `tags`,
`visibility`. A public check is "visible" at once; a hidden check becomes visible
"after_published", when the instructor publishes the grades, so students cannot probe hidden
cases by resubmitting.

With overrides (grader/report/overrides.py), the scores are the overridden ones and each changed test's
output, and the summary, say what the instructor changed and why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.export.common import Unreadable, describe, passed, unique_stems, where
from grader.report.models import CheckResult, Report, Visibility
from grader.report.overrides import Applied, applied_to, attribution, change, override_of
from grader.report.text import multi_line, one_line

VISIBILITY = {Visibility.public: "visible", Visibility.hidden: "after_published"}


def results(report: Report) -> dict[str, Any]:
    """One report as a Gradescope results.json object."""
    summary = [
        f"{one_line(report.submission.name)}: {report.score:g} / {report.max_score:g} points",
        f"Rubric: {one_line(report.rubric_name())}",
    ]
    if report.error:
        summary.append(f"The submission could not be graded: {multi_line(report.error)}")
    summary += [f"{where(f)} {multi_line(f.message)}".strip() for f in report.findings]
    summary += [f"{one_line(a.override.check)}: {_changed(a)}" for a in applied_to(report)]
    tests = [
        {
            "name": one_line(f"{check.title} ({check.id})"),
            "number": str(number),
            "score": check.points,
            "max_score": check.max_points,
            "status": "passed" if passed(check) else "failed",
            "output": _output(report, check),
            "tags": [one_line(check.section)] if check.section else [],
            "visibility": VISIBILITY[check.visibility],
        }
        for number, check in enumerate(report.checks, start=1)
    ]
    return {
        "score": report.score,
        "execution_time": round(report.duration_s or 0),  # None: the time was not a finite number
        "output": "\n".join(summary),
        "tests": tests,
    }


def _changed(applied: Applied) -> str:
    """An override as a student reads it: what changed, why, by whom and when."""
    by = attribution(applied)
    return f"Changed by the instructor, {change(applied)}: {one_line(applied.override.reason)}" + (
        f" ({by})" if by else ""
    )


def _output(report: Report, check: CheckResult) -> str:
    overridden = override_of(report, check.id)
    return describe(check) + (f"\n{_changed(overridden)}" if overridden else "")


def export(reports: list[Report], to: Path, *, unreadable: Sequence[Unreadable] = ()) -> list[Path]:
    """One report: `to` is the results.json file. Several: `to` is a folder of `<name>.results.json`.

    Files that are not reports (`unreadable`) have no results.json of their own; the command names
    them on stderr.
    """
    if len(reports) == 1 and to.suffix == ".json":
        targets = [to]
    else:
        targets = [to / f"{stem}.results.json" for stem in unique_stems([r.submission.name for r in reports])]
    for report, target in zip(reports, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results(report), indent=2), encoding="utf-8")
    return targets
