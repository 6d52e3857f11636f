"""Grade overrides: the instructor's changes to a grade, kept in a file of their own.

A regrade must not lose an accepted regrade request or an excused check, so the changes never go
into the reports: `cnngrade report --overrides FILE` reads them (`read_overrides`) and applies
them (`apply_overrides`) to copies of the reports it renders, and every exporter renders the
copies. The report on disk keeps what the grader computed (`grader.report.models.write_report` refuses a
copy that carries overrides).

A row names a submission (its name in the reports, as in the gradebook, without regard to case)
and a check id, or `total`, and either sets its `points` or excuses it (`excused = true`: the
check's points leave both the earned and the maximum score). `reason` is required, since the
student's page shows it; `who` and `when` (ISO 8601 with a timezone) say who changed it and when.
Check rows are applied first, then a `total` row sets the score of what is left. The late policy
(grader/report/late.py) comes after: it takes its share of the maximum score off the overridden score,
so a late submission is not forgiven its penalty by a regrade request.

A row naming a submission or a check the reports do not have is not applied, and said (a
name that no longer matches, after a renamed file or a changed rubric, must not pass unseen);
of two rows for the same submission and check, the later one wins, and that is said too.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from grader.report.text import one_line

if TYPE_CHECKING:
    from grader.report.models import CheckResult, Report

TOTAL = "total"  # the check id of a row that sets the whole score
# Points are rounded as the late policy rounds them (grader.report.late.POINTS_DIGITS).
POINTS_DIGITS = 6
FIELDS_SHOWN = "submission, check, points, excused, reason, who, when"

Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Given = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class OverrideError(ValueError):
    """An overrides file that cannot be used: one line naming the file, the row and the field."""


class Override(BaseModel):
    """One row of an overrides file, as the instructor writes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    submission: Required
    check: Required  # a check id, or "total"
    points: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    excused: bool = False
    reason: Required
    who: Given = ""
    when: AwareDatetime | None = None

    @model_validator(mode="after")
    def _points_or_excused(self) -> Override:
        if self.excused and self.points is not None:
            raise ValueError("points: give points or excused = true, not both")
        if not self.excused and self.points is None:
            raise ValueError("points: give points, or excused = true")
        if self.excused and self.check.lower() == TOTAL:
            raise ValueError(
                "excused: a whole submission cannot be excused (excuse its checks, or leave its grade out)"
            )
        return self

    @property
    def is_total(self) -> bool:
        return self.check.lower() == TOTAL


class Applied(BaseModel):
    """An override as applied to one report: what it changed, from what to what."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    override: Override
    title: str  # the check's title, or "total"
    before: float  # the check's points (or the score) before
    after: float  # after (0 for an excused check)
    max_before: float
    max_after: float  # 0 for an excused check


class Overridden(BaseModel):
    """What `cnngrade report --overrides` changed in a report's copy; the report on disk has none."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    raw_score: float  # as the grader computed them
    raw_max_score: float
    applied: list[Applied] = Field(default_factory=list)

    @property
    def excused_points(self) -> float:
        """The maximum points that excused checks took out of the report's maximum."""
        return round(sum(a.max_before - a.max_after for a in self.applied), POINTS_DIGITS)


@dataclass(frozen=True)
class Row:
    """An override and where it was read, for the messages."""

    file: Path
    label: str  # "row 3" (CSV) or "[[override]] 3" (TOML)
    override: Override

    @property
    def where(self) -> str:
        return f"{self.file}, {self.label}"


def read_overrides(path: Path) -> list[Row]:
    """The rows of a TOML (`[[override]]` tables) or CSV (a header row) overrides file, in order;
    OverrideError naming the file, row and field if any is malformed."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".toml":
            raw = _toml_rows(path)
        elif path.suffix.lower() == ".csv":
            raw = _csv_rows(path)
        else:
            raise OverrideError(f"overrides {path}: a .toml or .csv file ({FIELDS_SHOWN})")
    except (OSError, UnicodeDecodeError, csv.Error, tomllib.TOMLDecodeError) as e:
        raise OverrideError(f"cannot read overrides {path}: {getattr(e, 'strerror', None) or e}") from None
    return [Row(path, label, _override(f"{path}, {label}", fields)) for label, fields in raw]


def _toml_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if other := sorted(set(data) - {"override"}):
        raise OverrideError(
            f"overrides {path}: unknown table or key {other[0]!r} (rows are [[override]] tables)"
        )
    rows = data.get("override", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise OverrideError(f"overrides {path}: 'override' must be an array of tables, [[override]]")
    return [(f"[[override]] {number}", row) for number, row in enumerate(rows, start=1)]


def _csv_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        for name in header:
            if name not in Override.model_fields:
                raise OverrideError(
                    f"overrides {path}, row 1: unknown column {one_line(name)!r} ({FIELDS_SHOWN})"
                )
        rows = []
        for cells in reader:
            label = f"row {reader.line_num}"
            if not any(c.strip() for c in cells):
                continue  # a blank line a spreadsheet left
            if len(cells) > len(header):
                raise OverrideError(
                    f"overrides {path}, {label}: {len(cells)} cells for {len(header)} columns"
                )
            # An empty cell is a field not given (no points, not excused, nobody named).
            rows.append((label, {k: v for k, v in zip(header, cells, strict=False) if v.strip()}))
    return rows


def _override(where: str, fields: dict[str, Any]) -> Override:
    try:
        return Override.model_validate(fields)
    except ValidationError as e:
        error = e.errors()[0]
        field = ".".join(map(str, error["loc"])) or _field_of(error["msg"])
        message = error["msg"].removeprefix("Value error, ")
        message = message.split(": ", 1)[1] if not error["loc"] and ": " in message else message
        if error["type"] == "missing":
            message = "required"
        if field == "when":
            message += " (ISO 8601 with a timezone, e.g. 2026-12-01T10:00:00+01:00)"
        raise OverrideError(f"{where}, field {one_line(field)!r}: {one_line(message)}") from None


def _field_of(message: str) -> str:
    """The field a model-level message starts with ("points: give points ...")."""
    head = message.removeprefix("Value error, ").split(":", 1)[0]
    return head if head in Override.model_fields else "?"


@dataclass(frozen=True)
class Outcome:
    """The reports' copies with the overrides applied, and the warnings (one line each)."""

    reports: list[Report]
    warnings: list[str]


def apply_overrides(reports: list[Report], rows: list[Row]) -> Outcome:
    """Copies of `reports` with every applicable row applied (each copy's `overridden` says what
    changed; a report no row names gets an empty record, so every output shows the same columns).
    OverrideError if a row gives a check more points than it is worth, or a total more than the
    maximum score."""
    warnings = []
    chosen: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row.override.submission.lower(), row.override.check.lower())
        if key in chosen:
            warnings.append(
                f"overrides: {row.where} replaces {chosen[key].label} "
                f"({one_line(row.override.submission)}, {one_line(row.override.check)}): the later row wins"
            )
        chosen[key] = row
    by_name = {r.submission.name.lower(): r for r in reports}
    no_submission = [row for row in chosen.values() if row.override.submission.lower() not in by_name]
    no_check = []
    for row in chosen.values():
        report = by_name.get(row.override.submission.lower())
        if report is not None and not row.override.is_total and _check(report, row.override.check) is None:
            no_check.append(row)
    if no_submission:
        names = ", ".join(dict.fromkeys(one_line(r.override.submission) for r in no_submission))
        warnings.append(
            f"overrides: {_rows(no_submission)} no submission in the reports, not applied: {names}"
        )
    if no_check:
        names = ", ".join(one_line(f"{r.override.submission}: {r.override.check}") for r in no_check)
        warnings.append(
            f"overrides: {_rows(no_check)} a check the submission's report lacks, not applied: {names}"
        )
    skipped = {id(r) for r in no_submission + no_check}
    mine: dict[str, list[Row]] = {}
    for row in chosen.values():
        if id(row) not in skipped:
            mine.setdefault(row.override.submission.lower(), []).append(row)
    copies = [_applied(report, mine.get(report.submission.name.lower(), [])) for report in reports]
    return Outcome(copies, warnings)


def _rows(rows: list[Row]) -> str:
    """The head of a warning about `rows`: '1 row names' or '3 rows name'."""
    return f"{len(rows)} row names" if len(rows) == 1 else f"{len(rows)} rows name"


def _check(report: Report, check_id: str) -> CheckResult | None:
    return next((c for c in report.checks if c.id.lower() == check_id.lower()), None)


def _applied(report: Report, rows: list[Row]) -> Report:
    """A copy of `report` with `rows` (its own, each for a check it has) applied: checks, then the total."""
    applied: list[Applied] = []
    changed: dict[str, CheckResult] = {}
    score, max_score = report.score, report.max_score
    for row in sorted(rows, key=lambda r: r.override.is_total):
        override = row.override
        if override.is_total:
            if override.points is not None and override.points > max_score + 10**-POINTS_DIGITS:
                raise OverrideError(
                    f"{row.where}, field 'points': {override.points:g} is more than the maximum score of "
                    f"{one_line(report.submission.name)}, {max_score:g}"
                )
            applied.append(Applied(override=override, title=TOTAL, before=score, after=override.points or 0.0,
                                   max_before=max_score, max_after=max_score))  # fmt: skip
            score = override.points or 0.0
            continue
        check = _check(report, override.check)
        if check is None:  # apply_overrides left such rows out, with a warning
            continue
        if override.points is not None and override.points > check.max_points + 10**-POINTS_DIGITS:
            raise OverrideError(
                f"{row.where}, field 'points': {override.points:g} is more than "
                f"{one_line(check.id)} is worth ({check.max_points:g})"
            )
        points, most = (0.0, 0.0) if override.excused else (override.points or 0.0, check.max_points)
        applied.append(Applied(override=override, title=check.title, before=check.points, after=points,
                               max_before=check.max_points, max_after=most))  # fmt: skip
        score += points - check.points
        max_score -= check.max_points - most
        changed[check.id] = check.model_copy(update={"points": points, "max_points": most})
    record = Overridden(raw_score=report.score, raw_max_score=report.max_score, applied=applied)
    return report.model_copy(
        update={
            "checks": [changed.get(c.id, c) for c in report.checks],
            "score": round(max(score, 0.0), POINTS_DIGITS),
            "max_score": round(max_score, POINTS_DIGITS),
            "overridden": record,
        }
    )


def full_max(report: Report) -> float:
    """The report's maximum score before any check was excused."""
    excused = report.overridden.excused_points if report.overridden is not None else 0.0
    return round(report.max_score + excused, POINTS_DIGITS)


def out_of_full(report: Report, score: float) -> float | None:
    """`score` on the scale of the report's maximum before any check was excused: what a grade file
    with one fixed maximum (an LMS assignment's points possible) must hold, so that excusing a check
    does not lower a grade. None if every point was excused (there is nothing to scale)."""
    full = full_max(report)
    if full == report.max_score:
        return score
    if report.max_score <= 0:
        return None
    return round(score * full / report.max_score, POINTS_DIGITS)


def graded_by_hand(report: Report) -> bool:
    """Whether an override sets the report's total: a grade even for a submission the grader could not
    grade (the instructor read it)."""
    return report.overridden is not None and any(a.override.is_total for a in report.overridden.applied)


def applied_to(report: Report) -> list[Applied]:
    """The overrides applied to the report's copy, in the order applied (none for a raw report)."""
    return list(report.overridden.applied) if report.overridden is not None else []


def excused(report: Report) -> set[str]:
    """The ids of the report's checks that an override excused."""
    return {c.id for c in report.checks for a in applied_to(report) if a.override.excused and _same(a, c.id)}


def override_of(report: Report, check_id: str) -> Applied | None:
    """The override applied to one of the report's checks, if any."""
    return next((a for a in applied_to(report) if not a.override.is_total and _same(a, check_id)), None)


def _same(applied: Applied, check_id: str) -> bool:
    return applied.override.check.lower() == check_id.lower()


def change(applied: Applied) -> str:
    """One change to a grade in a few words ("3 -> 8", "excused (8 points)")."""
    if applied.override.excused:
        return f"excused ({applied.max_before:g} points)"
    return f"{applied.before:g} -> {applied.after:g}"


def changes(report: Report) -> list[str]:
    """Each change to the report's grade and what it changed ("conv_forward.public: 3 -> 8")."""
    return [one_line(f"{a.override.check}: {change(a)}") for a in applied_to(report)]


def attribution(applied: Applied) -> str:
    """Who changed a grade and when, as far as the row says ("by Dr. Lee, 2026-12-01 10:00 +01:00")."""
    override = applied.override
    parts = [f"by {override.who}"] if override.who else []
    if override.when is not None:
        parts.append(override.when.isoformat(timespec="minutes"))
    return one_line(", ".join(parts))
