"""Item analysis: how each check behaves across a class, as a test author reads a question.

Per check: the share of students who passed it; its discrimination, the point-biserial
correlation between passing it (1 or 0) and the rest of the score (the total less this check's
points, so the check is not correlated with itself); and the most common hint among those who
did not pass. A discrimination near 0 or below says the check does not separate strong from
weak submissions (or penalises the strong: a check to look at).

Who counts: graded reports only (a report with `error` was never graded, and its all-zero row
would make every check look discriminating), and for each check only the reports where it
applied (a `skipped` check worth 0 points, such as the speed-up of fast layers that were not
written, is left out of that check's figures). A check skipped because a prerequisite failed is
worth its points and counts as not passed.

The correlation is undefined when everybody or nobody passes (no variance in passing) or when
the rest of the score is the same for everybody; `discrimination` is then None and `note` says
why: never NaN in any output.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.export.common import Unreadable, passed, write_csv
from grader.report.late import POINTS_DIGITS
from grader.report.models import Report
from grader.report.text import spreadsheet_cell

EVERYBODY = "everybody passes: discrimination undefined"
NOBODY = "nobody passes: discrimination undefined"
FLAT_REST = "the rest of the score is the same for everybody: discrimination undefined"
TOO_FEW = "fewer than 2 graded submissions: discrimination undefined"
CSV_COLUMNS = [
    "check", "title", "max_points", "students", "passed", "pass_rate",
    "discrimination", "note", "common_hint", "common_hint_count",
]  # fmt: skip


@dataclass(frozen=True)
class Item:
    """One check's figures over the class."""

    id: str
    title: str
    max_points: float
    students: int  # graded reports in which the check applied
    passed: int
    discrimination: float | None  # point-biserial correlation; None when undefined (see note)
    note: str  # why discrimination is undefined; empty otherwise
    common_hint: str | None  # the most common hint among those who did not pass
    common_hint_count: int

    @property
    def pass_rate(self) -> float:
        return self.passed / self.students if self.students else 0.0


def point_biserial(passes: Sequence[int], rest: Sequence[float]) -> float | None:
    """Pearson's correlation of 0/1 `passes` with `rest`; None when either does not vary."""
    n = len(passes)
    # Points to the gradebook's precision: a rest that differs only by float noise (0.1 + 0.2 against
    # 0.3) is flat, not a perfect correlation. Flatness is judged on the values, not the variance,
    # which rounding can leave a hair above 0.
    rest = [round(y, POINTS_DIGITS) for y in rest]
    if n < 2 or len(set(passes)) < 2 or len(set(rest)) < 2:
        return None
    mean_x, mean_y = sum(passes) / n, math.fsum(rest) / n
    sxx = math.fsum((x - mean_x) ** 2 for x in passes)
    syy = math.fsum((y - mean_y) ** 2 for y in rest)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(passes, rest, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))  # rounding can step past ±1


def item_analysis(reports: Sequence[Report]) -> list[Item]:
    """Every check's item figures, in rubric order, over the graded reports."""
    graded = [r for r in reports if r.error is None]
    order: dict[str, str] = {}
    for report in graded:
        for check in report.checks:
            order.setdefault(check.id, check.title)
    items = []
    for check_id, title in order.items():
        passes: list[int] = []
        rest: list[float] = []
        hints: Counter[str] = Counter()
        most = 0.0
        for report in graded:
            check = next((c for c in report.checks if c.id == check_id), None)
            if check is None or check.max_points <= 0:  # not part of this report, or did not apply
                continue
            most = max(most, check.max_points)
            passes.append(int(passed(check)))
            rest.append(report.score - check.points)
            if not passed(check) and check.hint:
                hints[check.hint] += 1
        r = point_biserial(passes, rest)
        note = ""
        if r is None:
            if len(passes) < 2:
                note = TOO_FEW
            elif all(passes):
                note = EVERYBODY
            elif not any(passes):
                note = NOBODY
            else:
                note = FLAT_REST
        hint, count = hints.most_common(1)[0] if hints else (None, 0)
        items.append(Item(check_id, title, most, len(passes), sum(passes), r, note, hint, count))
    return items


def items_csv(items: Sequence[Item]) -> str:
    """One row per check: the figures, discrimination to 3 decimals (empty when undefined, see note)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow(
            [
                spreadsheet_cell(item.id),
                spreadsheet_cell(item.title),
                f"{item.max_points:g}",
                item.students,
                item.passed,
                f"{item.pass_rate:.3f}",
                "" if item.discrimination is None else f"{item.discrimination:.3f}",
                item.note,
                spreadsheet_cell(item.common_hint or ""),
                item.common_hint_count,
            ]
        )
    return buffer.getvalue()


def export(reports: list[Report], to: Path, *, unreadable: Sequence[Unreadable] = ()) -> list[Path]:
    return write_csv(to, items_csv(item_analysis(reports)))
