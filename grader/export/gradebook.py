"""The CSV gradebook: a row of maximum points, then one row per submission, one column of points per check.

With submission times (a roster's `submitted_at` column, or Gradescope's metadata merged into the
roster), a `submitted_at` column follows the score; with a late policy (the rubric's `[late]`
table, grader/report/late.py), so do `late_days`, `late_penalty` and `final_score`, and the max-points row
holds the deadline, the largest penalty and the maximum score.

With overrides (grader/report/overrides.py), `score`, `max_score` and the check columns are the
overridden ones (an excused check's cell says `excused`), `raw_score` before them keeps what the
grader computed, and `overrides` after `error` names what changed; the late columns start from the
overridden score.

Student-controlled cells (names, error messages) are one line each, with control characters
shown as escapes, and a cell a spreadsheet would run as a formula (a student can name a file
"=cmd|...") is prefixed with an apostrophe. A report that could not be read gets a row too,
with no points and the reason in `error`, so it is not silently missing from the gradebook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from grader.export.common import Unreadable, write_csv
from grader.report.late import (
    LATE_TIME_UNKNOWN,
    SUBMITTED_AT,
    Lateness,
    LatePolicy,
    assess_reports,
    max_penalty,
    parse_time,
)
from grader.report.models import Report
from grader.report.overrides import changes, excused
from grader.report.text import spreadsheet_cell

FIXED_COLUMNS = ["submission", "kind", "sha256", "score", "max_score", "error"]
LATE_COLUMNS = ["late_days", "late_penalty", "final_score"]
MAX_ROW = "(max points)"
EXCUSED = "excused"  # an excused check's cell: its points count neither earned nor possible


class RosterError(Exception):
    """A roster file that cannot be used; one line."""


Roster = dict[str, dict[str, str]]  # submission name (lower case) -> the roster's other columns


def read_roster(path: Path) -> Roster:
    """A CSV with a `submission` column (the names in the reports) and any others (student id, email)."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise RosterError(f"cannot read roster {path}: {getattr(e, 'strerror', None) or e}") from None
    if not rows or "submission" not in rows[0]:
        raise RosterError(f"roster {path}: needs a header row with a 'submission' column")
    roster: Roster = {}
    for number, row in enumerate(rows, start=2):
        name = (row.pop("submission") or "").strip().lower()
        if name in roster:
            raise RosterError(f"roster {path}, line {number}: {name!r} is listed twice")
        roster[name] = {k: v or "" for k, v in row.items() if k is not None}
        if when := roster[name].get(SUBMITTED_AT, "").strip():
            try:
                roster[name][SUBMITTED_AT] = parse_time(when).isoformat()
            except ValueError as e:
                raise RosterError(f"roster {path}, line {number}: {SUBMITTED_AT} {e}") from None
    return roster


def with_defaults(roster: Roster, more: Roster) -> Roster:
    """The roster with `more`'s cells where its own are missing or empty (the roster wins)."""
    merged = {name: dict(row) for name, row in roster.items()}
    for name, row in more.items():
        mine = merged.setdefault(name, {})
        for column, value in row.items():
            if not mine.get(column):
                mine[column] = value
    return merged


def check_ids(reports: list[Report]) -> list[str]:
    """Check ids in rubric order, each once, across all reports."""
    return list(dict.fromkeys(c.id for r in reports for c in r.checks))


def gradebook_csv(
    reports: list[Report],
    unreadable: Sequence[Unreadable] = (),
    roster: Roster | None = None,
    late: LatePolicy | None = None,
) -> str:
    """The gradebook; with a `roster`, its columns follow the submission's name in each row, and its
    submission times and the `late` policy add the late columns after the raw score."""
    ids = check_ids(reports)
    people = [
        k for k in dict.fromkeys(k for row in (roster or {}).values() for k in row) if k != SUBMITTED_AT
    ]
    timed = late is not None or any(row.get(SUBMITTED_AT) for row in (roster or {}).values())
    overridden = any(r.overridden is not None for r in reports)
    most = {c.id: c.max_points for r in reports for c in r.checks}
    max_score = max((r.max_score for r in reports), default=0)
    raw_max = max((r.overridden.raw_max_score for r in reports if r.overridden), default=max_score)
    standing = assess_reports(reports, roster, late) if late else [None] * len(reports)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def person(name: str) -> list[str]:
        found = (roster or {}).get(name.lower(), {})
        return [spreadsheet_cell(found.get(k, "")) for k in people]

    def when(name: str) -> list[str]:
        return [(roster or {}).get(name.lower(), {}).get(SUBMITTED_AT, "")] if timed else []

    times = [SUBMITTED_AT] * timed + LATE_COLUMNS * (late is not None)
    raw, changed = ["raw_score"] * overridden, ["overrides"] * overridden
    cell = spreadsheet_cell
    head = [FIXED_COLUMNS[0], *map(cell, people), *FIXED_COLUMNS[1:3], *raw, *FIXED_COLUMNS[3:5], *times]
    writer.writerow([*head, "error", *changed, *map(cell, ids)])
    # Under the time and late columns: the deadline, the largest penalty, the maximum final score.
    top = (
        [late.deadline.isoformat(), "", f"{max_penalty(late, max_score):g}", f"{max_score:g}"] if late else []
    )
    top = top or [""] * timed
    maxima = [*[f"{raw_max:g}"] * overridden, f"{max_score:g}", f"{max_score:g}", *top]
    maxima += [""] * (1 + overridden)  # nothing under `error` and `overrides`
    writer.writerow([MAX_ROW, *[""] * (len(people) + 2), *maxima, *(f"{most[i]:g}" for i in ids)])
    for report, lateness in zip(reports, standing, strict=True):
        points = {c.id: _points(report, c.id, c.points) for c in report.checks}
        info = report.submission
        text = [cell(info.name), *person(info.name), cell(info.kind), cell(info.sha256)]
        raw_score = report.overridden.raw_score if report.overridden else report.score
        scores = [*[f"{raw_score:g}"] * overridden, f"{report.score:g}", f"{report.max_score:g}"]
        scores += [*when(info.name), *_late_cells(lateness)]
        what = [cell("; ".join(changes(report)))] * overridden
        writer.writerow(text + scores + [cell(report.error or ""), *what] + [points.get(i, "") for i in ids])
    for bad in unreadable:
        empty = [""] * (len(people) + 4 + overridden + len(times))
        writer.writerow([cell(bad.path.stem), *empty, cell(str(bad)), *[""] * overridden] + [""] * len(ids))
    return buffer.getvalue()


def _points(report: Report, check_id: str, points: float) -> str:
    """A check's cell: its points, or `excused` when an override excused it."""
    return EXCUSED if check_id in excused(report) else f"{points:g}"


def _late_cells(lateness: Lateness | None) -> list[str]:
    if lateness is None:
        return []
    if lateness.late_days is None:  # no known time: not penalised
        return [LATE_TIME_UNKNOWN if lateness.marked_late else "", "", f"{lateness.final_score:g}"]
    return [str(lateness.late_days), f"{lateness.penalty:g}", f"{lateness.final_score:g}"]


def export(
    reports: list[Report],
    to: Path,
    *,
    unreadable: Sequence[Unreadable] = (),
    roster: Roster | None = None,
    late: LatePolicy | None = None,
) -> list[Path]:
    return write_csv(to, gradebook_csv(reports, unreadable, roster, late))
