"""Gradescope's `results.json`, per its autograder specification.

Fields used: top level `score`, `execution_time` (seconds), `output`, `tests`; each test
`name`, `number`, `score`, `max_score`, `status` ("passed" / "failed"), `output`, `tags`,
`visibility`. A public check is "visible" at once; a hidden check becomes visible
"after_published", when the instructor publishes the grades, so students cannot probe hidden
cases by resubmitting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.exporters.common import describe, passed, unique_stems, where
from grader.report import Report, Visibility

VISIBILITY = {Visibility.public: "visible", Visibility.hidden: "after_published"}


def results(report: Report) -> dict[str, Any]:
    """One report as a Gradescope results.json object."""
    summary = [f"{report.submission.name}: {report.score:g} / {report.max_score:g} points"]
    if report.error:
        summary.append(f"The submission could not be graded: {report.error}")
    summary += [f"{where(f)} {f.message}".strip() for f in report.findings]
    tests = [
        {
            "name": f"{check.title} ({check.id})",
            "number": str(number),
            "score": check.points,
            "max_score": check.max_points,
            "status": "passed" if passed(check) else "failed",
            "output": describe(check),
            "tags": [check.section] if check.section else [],
            "visibility": VISIBILITY[check.visibility],
        }
        for number, check in enumerate(report.checks, start=1)
    ]
    return {
        "score": report.score,
        "execution_time": round(report.duration_s),
        "output": "\n".join(summary),
        "tests": tests,
    }


def export(reports: list[Report], to: Path) -> list[Path]:
    """One report: `to` is the results.json file. Several: `to` is a folder of `<name>.results.json`."""
    if len(reports) == 1 and to.suffix == ".json":
        targets = [to]
    else:
        stems = unique_stems([r.submission.name for r in reports])
        targets = [to / f"{stems[r.submission.name]}.results.json" for r in reports]
    for report, target in zip(reports, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(results(report), indent=2), encoding="utf-8")
    return targets
