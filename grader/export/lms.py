"""Grade files that Canvas and Moodle import as they are: one row per student of the roster.

What each LMS needs was taken from its own documentation or importer:

- Canvas, "Import CSV File for Carmen Grades" (Ohio State's Teaching and Learning Resource
  Center, teaching.resources.osu.edu, on Canvas's gradebook import): the columns `Student`,
  `ID`, `SIS User ID`, `SIS Login ID` and `Section`, then one column per assignment. The
  assignment's header is written as Canvas's own gradebook export writes it, `Title (id)`,
  and the second row is the export's `    Points Possible` row (its id cells empty), so Canvas
  matches the column to the existing assignment by its id. A student row is matched by
  `ID` (Canvas's user id) or the SIS ids; a blank score leaves Canvas's grade as it is.
- Moodle, the assignment's offline grading worksheet ("Upload grading worksheet"), read from
  Moodle's importer (moodle/moodle, mod/assign/feedback/offline/importgradeslib.php and
  locallib.php): the upload is refused unless the header has `Identifier`, `Grade` and
  `Last modified (grade)`. `Identifier` is `Participant <n>`, the number Moodle's own
  worksheet shows (its per-assignment participant id, not the user id). An empty grade is
  skipped; a grade above the assignment's maximum grade is skipped; a row whose
  `Last modified (grade)` is older than the grade already in Moodle is skipped (another
  marker changed it), so that cell holds the time this file was written. `Feedback comments`
  is imported when the assignment has feedback comments enabled. The other columns of
  Moodle's download are written too, so the file reads like the worksheet.

Rows: every roster row, in the roster's order. A student without a report gets an empty
grade (never 0, unless `missing_as_zero`); a report that could not be graded (`error`) gets
an empty grade too, and a warning, since a grader failure must not become a 0. A report with
no roster row cannot be matched by the LMS: it is left out, with a warning. The grade is the
final score: the raw score less the late penalty when a late policy is given (grader/report/late.py).
With overrides (grader/report/overrides.py) it starts from the overridden score; a submission with an
excused check is graded out of what is left and scaled to the assignment's maximum, so excusing
a check never lowers a grade; a `total` override gives a grade even to a report that was not graded.

Student-controlled text (names, emails, sections, feedback) is one line with control
characters shown, and a cell a spreadsheet would run as a formula gets an apostrophe, as in
the gradebook CSV. Feedback is also HTML-escaped, since Moodle shows it as HTML.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from grader.export.common import ExportError, Unreadable, passed, write_csv
from grader.load.naming import report_stem
from grader.report.late import POINTS_DIGITS, Lateness, LatePolicy, assess_reports, submitted_at
from grader.report.models import Report
from grader.report.overrides import changes, full_max, graded_by_hand, out_of_full
from grader.report.text import may_be_formula, one_line, spreadsheet_cell

Roster = dict[str, dict[str, str]]  # as gradebook.Roster: submission name (lower case) -> columns

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"  # Canvas's export writes it indented so; the import expects it
# Roster column -> Canvas column; the name may also be given as `name`.
CANVAS_ROSTER = {"student": "Student", "canvas_id": "ID", "sis_user_id": "SIS User ID",
                 "sis_login_id": "SIS Login ID", "section": "Section"}  # fmt: skip
CANVAS_IDS = ("canvas_id", "sis_user_id", "sis_login_id")

MOODLE_COLUMNS = [
    "Identifier",
    "Full name",
    "Email address",
    "Status",
    "Grade",
    "Maximum Grade",
    "Grade can be changed",
    "Last modified (submission)",
    "Last modified (grade)",
    "Feedback comments",
]
PARTICIPANT = re.compile(r"(?:participant\s*)?(\d+)", re.IGNORECASE)
DIGITS = re.compile(r"\d+")
MOODLE_NONE = "-"  # what Moodle's worksheet shows for a time it does not have


# A report's LMS student (from a download, grader/load/lms_download.py) as roster columns.
LMS_LATE = "lms_late"  # "yes" when Canvas marked the submission late


def report_columns(reports: Sequence[Report]) -> Roster:
    """The roster columns the reports of an LMS download carry themselves: the student's name and
    LMS id (and Canvas's late marker), by submission name; a roster given beside them wins."""
    columns: Roster = {}
    for report in reports:
        who = report.submission.lms
        if who is None:
            continue
        if who.lms == "canvas":
            row = {"student": who.name, "canvas_id": who.id, LMS_LATE: "yes" if who.late else ""}
        else:
            row = {"full_name": who.name, "participant_id": who.id}
        columns[report.submission.name.lower()] = row
    return columns


def lms_students(reports: Sequence[Report], lms: str) -> list[str]:
    """The submission names (lower case) of the reports that carry a student of `lms`."""
    return [r.submission.name.lower() for r in reports if r.submission.lms and r.submission.lms.lms == lms]


def _points(value: float) -> str:
    """Points as a plain decimal (no exponent, no float artefacts): 87.5, 100, 33.333333."""
    return f"{round(value, POINTS_DIGITS):.{POINTS_DIGITS}f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Row:
    """One roster student and their grade (None: the cell stays empty)."""

    name: str  # the submission's name in the roster (lower case)
    columns: dict[str, str]
    report: Report | None
    grade: float | None
    lateness: Lateness | None


def match(
    reports: Sequence[Report],
    roster: Roster,
    *,
    students: Sequence[str] | None = None,
    late: LatePolicy | None = None,
    unreadable: Sequence[Unreadable] = (),
    missing_as_zero: bool = False,
) -> tuple[list[Row], list[str]]:
    """Each roster student's row and the warnings (one line each) for reports no row matches and
    for reports that were not graded. `students` limits the rows to those names (the roster file's
    own rows, not those Gradescope's metadata added)."""
    names = list(roster) if students is None else [s for s in students if s in roster]
    by_name = {r.submission.name.lower(): r for r in reports}
    standing: dict[str, Lateness] = {}
    if late is not None:
        standing = dict(zip(by_name, assess_reports(list(by_name.values()), roster, late), strict=True))
    broken = {bad.path.stem.lower() for bad in unreadable}  # a report on disk that could not be read
    warnings = [
        f"{one_line(r.submission.name)}: no roster row, left out of the LMS file (add it to the roster)"
        for name, r in by_name.items()
        if name not in names
    ]
    rows = []
    for name in names:
        report = by_name.get(name)
        lateness = standing.get(name)
        if report is None:
            unread = report_stem(name).lower() in broken
            grade = 0.0 if missing_as_zero and not unread else None
        elif report.error is not None and not graded_by_hand(report):
            grade = None
            warnings.append(
                f"{one_line(report.submission.name)}: not graded ({one_line(report.error)}): "
                "its LMS grade is left empty"
            )
        else:
            grade = out_of_full(report, lateness.final_score if lateness is not None else report.score)
            if grade is None:
                warnings.append(
                    f"{one_line(report.submission.name)}: every check is excused: its LMS grade is left empty"
                )
        rows.append(Row(name, roster[name], report, grade, lateness))
    return rows, warnings


def _max_score(reports: Sequence[Report]) -> float:
    """The assignment's maximum: that of the graded reports, before any check was excused."""
    return max((full_max(r) for r in reports if r.error is None), default=0.0) or max(
        (full_max(r) for r in reports), default=0.0
    )


def canvas_csv(rows: Sequence[Row], max_score: float, *, title: str, assignment_id: str) -> str:
    """Canvas's gradebook import: the id columns, the assignment `Title (id)`, a Points Possible row."""
    if not DIGITS.fullmatch(assignment_id.strip()):
        raise ExportError(f"--assignment-id {assignment_id!r}: Canvas ids are numbers (see its URL)")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*CANVAS_COLUMNS, spreadsheet_cell(f"{title} ({assignment_id.strip()})")])
    writer.writerow([POINTS_POSSIBLE, "", "", "", "", _points(max_score)])
    for row in rows:
        cells = row.columns
        ids = {k: cells.get(k, "").strip() for k in CANVAS_IDS}
        if not any(ids.values()):
            raise ExportError(
                f"roster: {row.name!r} has no canvas_id, sis_user_id or sis_login_id: Canvas cannot match it"
            )
        if ids["canvas_id"] and not DIGITS.fullmatch(ids["canvas_id"]):
            raise ExportError(f"roster: {row.name!r} canvas_id {ids['canvas_id']!r} is not a number")
        for column, value in ids.items():
            # An id must reach Canvas as it is to match; one a spreadsheet would run cannot be
            # written safely, and a guarded one would not match, so it is refused.
            if may_be_formula(value) or one_line(value) != value:
                shown = one_line(value)
                raise ExportError(f"roster: {row.name!r} {column} {shown!r} is not an id Canvas can match")
        student = cells.get("student") or cells.get("name") or ""
        section = cells.get("section", "")
        grade = "" if row.grade is None else _points(row.grade)
        writer.writerow([spreadsheet_cell(student), *ids.values(), spreadsheet_cell(section), grade])
    return buffer.getvalue()


def participant(row: Row) -> str:
    """Moodle's `Participant <n>` for the roster's participant_id (`123` or `Participant 123`)."""
    given = row.columns.get("participant_id", "").strip()
    found = PARTICIPANT.fullmatch(given)
    if not found:
        shown = f"participant_id {given!r} is not" if given else "has no participant_id,"
        raise ExportError(
            f"roster: {row.name!r} {shown} the number after 'Participant' in Moodle's grading worksheet"
        )
    return f"Participant {int(found.group(1))}"


def feedback(row: Row, max_score: float) -> str:
    """A one-line summary for Moodle's feedback comments: the score, the penalty, what did not pass."""
    report = row.report
    if report is None or row.grade is None:
        return ""
    parts = [f"cnngrade: {_points(row.grade)} / {_points(max_score)} points"]
    if row.lateness is not None and row.lateness.late_days:
        parts[0] += f" ({row.lateness.late_days} days late: -{_points(row.lateness.penalty or 0)})"
    failed = [f"{c.title} ({c.status.value})" for c in report.checks if not passed(c) and c.max_points > 0]
    if failed:
        parts.append("not passed: " + ", ".join(failed))
    if report.overridden is not None and report.overridden.applied:
        said = zip(changes(report), report.overridden.applied, strict=True)
        reasons = ", ".join(f"{what} ({one_line(a.override.reason)})" for what, a in said)
        parts.append(f"changed by the instructor: {reasons}")
    return escape(spreadsheet_cell(". ".join(parts)), quote=False)


def moodle_csv(rows: Sequence[Row], max_score: float, *, now: datetime | None = None) -> str:
    """Moodle's grading worksheet, ready for "Upload grading worksheet"."""
    written = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MOODLE_COLUMNS)
    for row in rows:
        cells = row.columns
        name = cells.get("full_name") or cells.get("name") or ""
        when = row.lateness.submitted_at if row.lateness is not None else None
        if when is None and row.report is not None:
            when = submitted_at({row.name: cells}, row.name)
        status = "No submission" if row.report is None else "Submitted for grading"
        writer.writerow(
            [
                participant(row),
                spreadsheet_cell(name),
                spreadsheet_cell(cells.get("email", "")),
                status,
                "" if row.grade is None else _points(row.grade),
                _points(max_score),
                "Yes",
                when.isoformat() if when else MOODLE_NONE,
                written,
                feedback(row, max_score),
            ]
        )
    return buffer.getvalue()


def export_canvas(
    reports: list[Report],
    to: Path,
    *,
    unreadable: Sequence[Unreadable] = (),
    roster: Roster | None = None,
    students: Sequence[str] | None = None,
    late: LatePolicy | None = None,
    assignment_title: str = "",
    assignment_id: str = "",
    missing_as_zero: bool = False,
    warnings: list[str] | None = None,
) -> list[Path]:
    """`to` as Canvas's gradebook import; the warnings (one line each) are appended to `warnings`."""
    rows, said = match(
        reports,
        roster or {},
        students=students,
        late=late,
        unreadable=unreadable,
        missing_as_zero=missing_as_zero,
    )
    text = canvas_csv(
        rows, _max_score(reports), title=assignment_title or reports[0].rubric_id, assignment_id=assignment_id
    )
    if warnings is not None:
        warnings += said
    return write_csv(to, text)


def export_moodle(
    reports: list[Report],
    to: Path,
    *,
    unreadable: Sequence[Unreadable] = (),
    roster: Roster | None = None,
    students: Sequence[str] | None = None,
    late: LatePolicy | None = None,
    missing_as_zero: bool = False,
    now: datetime | None = None,
    warnings: list[str] | None = None,
) -> list[Path]:
    """`to` as Moodle's grading worksheet; the warnings (one line each) are appended to `warnings`."""
    rows, said = match(
        reports,
        roster or {},
        students=students,
        late=late,
        unreadable=unreadable,
        missing_as_zero=missing_as_zero,
    )
    text = moodle_csv(rows, _max_score(reports), now=now)
    if warnings is not None:
        warnings += said
    return write_csv(to, text)
