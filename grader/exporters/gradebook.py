"""The CSV gradebook: one row per submission, one column of points per check.

Cells that a spreadsheet would run as a formula (a student can name a file "=cmd|...")
are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.report import Report

FIXED_COLUMNS = ["submission", "kind", "sha256", "score", "max_score", "error"]


def _text(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def check_ids(reports: list[Report]) -> list[str]:
    """Check ids in rubric order, each once, across all reports."""
    return list(dict.fromkeys(c.id for r in reports for c in r.checks))


def gradebook_csv(reports: list[Report]) -> str:
    ids = check_ids(reports)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIXED_COLUMNS + ids)
    for report in reports:
        points = {c.id: f"{c.points:g}" for c in report.checks}
        info = report.submission
        row = [_text(info.name), info.kind, info.sha256, f"{report.score:g}", f"{report.max_score:g}"]
        writer.writerow(row + [_text(report.error or "")] + [points.get(i, "") for i in ids])
    return buffer.getvalue()


def export(reports: list[Report], to: Path) -> list[Path]:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_text(gradebook_csv(reports), encoding="utf-8", newline="")
    return [to]
