"""The late policy, applied in the gradebook: how late each submission was and what it loses.

A report keeps the raw score (grading does not depend on when it ran); `cnngrade report` takes
the penalty off here, from the rubric's `[late]` table (`LatePolicy`, which the rubric model reads) and each
submission's time, so a new deadline needs only the gradebook rendered again.

Lateness is counted in started days (24 h) from the deadline: 1 s to 24 h late is one day,
24 h 1 s is two. A submission at most `grace_minutes` late is on time; a later one is late from
the deadline itself, not from the end of the grace period. Each started day costs
`penalty_fraction_per_day` of the maximum score, at most `max_penalty_fraction` of it in all;
more than `no_credit_after_days` started days gives no credit. The final score is the raw score
less the penalty, never below 0, and `penalty` is what was actually taken off, so
score - penalty = final score in every row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from grader.report.models import Report

DAY = timedelta(days=1)
# Points are rounded to this many decimals: 3 days at 0.1 of 100 points is 30, not 30.000000000000004.
POINTS_DIGITS = 6
# The roster column (and the gradebook column) holding a submission's time.
SUBMITTED_AT = "submitted_at"
# What the gradebook and the overview show for the days of a late submission of unknown time.
LATE_TIME_UNKNOWN = "late, time unknown"


# The docstring is the description in `cnngrade schema rubric`: kept word for word as published,
# old module path included, so the schema does not change.
class LatePolicy(BaseModel):
    """The `[late]` table: what a late submission loses in the gradebook (grader/late.py applies it).

    Grading never reads it: a report keeps the raw score, and `cnngrade report` takes the penalty
    off in the gradebook, so a new deadline or penalty never needs a regrade.
    """

    model_config = ConfigDict(extra="forbid")  # as every table of the rubric

    deadline: AwareDatetime  # `report --deadline` overrides it (one rubric, several sections)
    # A submission at most this late counts as on time; one later is late from the deadline itself.
    grace_minutes: float = Field(default=0, ge=0)
    # Every started day (24 h) after the deadline costs this fraction of the maximum score...
    penalty_fraction_per_day: float = Field(ge=0, le=1)
    # ...up to this fraction of the maximum score in all (1: the whole score)...
    max_penalty_fraction: float = Field(default=1, ge=0, le=1)
    # ...and more started days late than this gives no credit at all (default: no such limit).
    no_credit_after_days: int | None = Field(default=None, ge=0)


class Lateness(BaseModel):
    """One submission against the late policy; without a known time it is not penalised.

    A submission the LMS marked late without saying when (Canvas's `_LATE_`) is `marked_late`
    and not penalised either: the penalty depends on the days and the grace period, which only
    the time decides; the gradebook and the overview show it as late, time unknown, and the
    command warns, so that the instructor can give its `submitted_at` in the roster.
    """

    submitted_at: datetime | None = None
    marked_late: bool = False
    late_days: int | None = None  # started days after the deadline; 0 when on time or within grace
    penalty: float | None = None  # points taken off
    final_score: float


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with a timezone; ValueError saying what is wrong otherwise.

    A time without a timezone is refused, not guessed: an LMS export's local time may be the
    server's, the instructor's or UTC, and an hour's guess decides who is late.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-11-27T23:59:00+01:00") from None
    return require_timezone(moment, text)


def require_timezone(moment: datetime, shown: object) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(
            f"{shown!r} has no timezone: write its offset, e.g. 2026-11-27T23:59:00+01:00 (or Z for UTC)"
        )
    return moment


def submitted_at(roster: Mapping[str, Mapping[str, str]] | None, name: str) -> datetime | None:
    """The submission's time from the roster (validated when the roster was read), if it has one."""
    text = (roster or {}).get(name.lower(), {}).get(SUBMITTED_AT, "")
    return datetime.fromisoformat(text) if text else None


def late_days(policy: LatePolicy, when: datetime) -> int:
    """Started days after the deadline, 0 within the grace period (exact to the microsecond)."""
    late = when - policy.deadline
    if late <= timedelta(minutes=policy.grace_minutes):
        return 0
    days, rest = divmod(late, DAY)
    return days + (rest > timedelta(0))


def max_penalty(policy: LatePolicy, max_score: float) -> float:
    """The most a late submission can lose, in points."""
    fraction = 1 if policy.no_credit_after_days is not None else policy.max_penalty_fraction
    return round(fraction * max_score, POINTS_DIGITS)


def assess(
    policy: LatePolicy, when: datetime | None, score: float, max_score: float, *, marked_late: bool = False
) -> Lateness:
    if when is None:
        return Lateness(final_score=score, marked_late=marked_late)
    days = late_days(policy, when)
    if policy.no_credit_after_days is not None and days > policy.no_credit_after_days:
        owed = score
    else:
        owed = min(policy.max_penalty_fraction, days * policy.penalty_fraction_per_day) * max_score
    penalty = round(min(score, owed), POINTS_DIGITS)
    return Lateness(
        submitted_at=when, late_days=days, penalty=penalty, final_score=round(score - penalty, POINTS_DIGITS)
    )


def assess_reports(
    reports: Sequence[Report], roster: Mapping[str, Mapping[str, str]] | None, policy: LatePolicy
) -> list[Lateness]:
    """Each report's lateness, in order; a roster's time wins over the LMS's late marker."""
    return [
        assess(
            policy, submitted_at(roster, r.submission.name), r.score, r.max_score, marked_late=marked_late(r)
        )
        for r in reports
    ]


def marked_late(report: Report) -> bool:
    """Whether the LMS download marked the submission late (Canvas's `_LATE_`)."""
    return report.submission.lms is not None and report.submission.lms.late is True
