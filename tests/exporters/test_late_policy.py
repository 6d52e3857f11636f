"""The late policy's arithmetic (grader/report/late.py) and its `[late]` table in a real rubric file."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.judge.rubric import RubricError, load_rubric
from grader.report.late import LatePolicy, assess, late_days, parse_time

CONVNET = Path(__file__).resolve().parents[2] / "rubrics" / "convnet.toml"

DEADLINE = datetime(2026, 11, 27, 23, 59, tzinfo=timezone(timedelta(hours=1)))
POLICY = LatePolicy(
    deadline=DEADLINE, grace_minutes=15, penalty_fraction_per_day=0.1, max_penalty_fraction=0.5
)


@pytest.mark.parametrize(
    ("late", "days", "final"),
    [
        (-timedelta(hours=1), 0, 80),  # early
        (timedelta(0), 0, 80),  # at the deadline
        (timedelta(minutes=15), 0, 80),  # the last moment of the grace period
        (timedelta(minutes=15, microseconds=1), 1, 70),  # after it: late from the deadline itself
        (timedelta(hours=24), 1, 70),  # exactly one day
        (timedelta(hours=24, seconds=1), 2, 60),  # one second into the second day
        (timedelta(hours=25), 2, 60),
        (timedelta(days=5), 5, 30),  # the cap: half the maximum score (50 of 100)
        (timedelta(days=40), 40, 30),  # never more than the cap
    ],
)
def test_started_days_after_the_deadline_each_cost_a_tenth_up_to_half(late, days, final):
    lateness = assess(POLICY, DEADLINE + late, score=80, max_score=100)
    assert (lateness.late_days, lateness.final_score) == (days, final)
    assert lateness.penalty == 80 - final


def test_no_credit_after_the_last_day_and_never_below_zero():
    policy = POLICY.model_copy(update={"no_credit_after_days": 3})
    assert assess(policy, DEADLINE + timedelta(days=3), 80, 100).final_score == 50  # 3 days: 30 off
    assert assess(policy, DEADLINE + timedelta(days=3, seconds=1), 80, 100).final_score == 0
    weak = assess(POLICY, DEADLINE + timedelta(days=2), score=5, max_score=100)
    assert (weak.penalty, weak.final_score) == (5, 0)  # the penalty is what was taken off


def test_three_days_at_a_tenth_is_thirty_points_not_a_float_artefact():
    lateness = assess(POLICY, DEADLINE + timedelta(days=3), 100, 100)
    assert (lateness.penalty, lateness.final_score) == (30, 70)


def test_the_same_moment_in_any_timezone_is_equally_late():
    in_utc = parse_time("2026-11-27T22:59:00Z")  # the deadline, written in UTC
    in_la = parse_time("2026-11-27T15:14:00.000001-08:00")  # 15 min and 1 µs after it
    assert late_days(POLICY, in_utc) == 0 and late_days(POLICY, in_la) == 1


@pytest.mark.parametrize("text", ["2026-11-27T23:59:00", "2026-11-27", "yesterday", "27/11/2026 23:59"])
def test_a_time_without_a_timezone_or_not_iso_is_refused_with_the_reason(text):
    with pytest.raises(ValueError, match="no timezone|not an ISO 8601 time"):
        parse_time(text)


def test_an_unknown_time_is_not_penalised():
    lateness = assess(POLICY, None, 80, 100)
    assert (lateness.late_days, lateness.penalty, lateness.final_score) == (None, None, 80)


@given(
    seconds=st.integers(min_value=-10 * 86400, max_value=60 * 86400),
    score=st.floats(min_value=0, max_value=100),
    per_day=st.floats(min_value=0, max_value=1),
    cap=st.floats(min_value=0, max_value=1),
    grace=st.integers(min_value=0, max_value=24 * 60),
)
def test_the_penalty_is_bounded_and_grows_with_lateness(seconds, score, per_day, cap, grace):
    policy = LatePolicy(
        deadline=DEADLINE, grace_minutes=grace, penalty_fraction_per_day=per_day, max_penalty_fraction=cap
    )
    now = assess(policy, DEADLINE + timedelta(seconds=seconds), score, 100)
    later = assess(policy, DEADLINE + timedelta(seconds=seconds + 3600), score, 100)
    assert 0 <= now.penalty <= min(score, cap * 100) + 1e-6
    assert now.final_score == pytest.approx(score - now.penalty, abs=1e-6)
    assert now.penalty <= later.penalty and now.late_days <= later.late_days
    if seconds > grace * 60:
        assert now.late_days == -(-seconds // 86400)


def _with_late(tmp_path, table: str, name: str = "late.toml"):
    path = tmp_path / name
    path.write_text(CONVNET.read_text() + "\n# When work is late\n[late]\n" + table)
    return path


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("deadline = 2026-11-27T23:59:00\npenalty_fraction_per_day = 0.1\n", "late.deadline: .*timezone"),
        ('deadline = "next friday"\npenalty_fraction_per_day = 0.1\n', "late.deadline"),
        ("deadline = 2026-11-27T23:59:00Z\npenalty_fraction_per_day = -0.1\n", "penalty_fraction_per_day"),
        (
            "deadline = 2026-11-27T23:59:00Z\npenalty_fraction_per_day = 0.1\nmax_penalty_fraction = 1.5\n",
            "late.max_penalty_fraction: Input should be less than or equal to 1",
        ),
        ("deadline = 2026-11-27T23:59:00Z\npenalty_fraction_per_day = 0.1\ngrace_minutes = -5\n", "grace"),
        (
            "deadline = 2026-11-27T23:59:00Z\npenalty_fraction_per_day = 0.1\ngrace = 5\n",
            "late.grace: Extra inputs are not permitted",
        ),
    ],
)
def test_nonsense_in_the_late_table_is_one_line_naming_the_key(tmp_path, table, message):
    with pytest.raises(RubricError, match=message) as caught:
        load_rubric(_with_late(tmp_path, table))
    assert "\n" not in str(caught.value)


def test_the_late_table_is_not_part_of_the_rubric_hash(tmp_path):
    """Setting or changing the policy (or a comment) after grading must not make the class look
    graded with another rubric: the hash names what grades a submission."""
    plain = load_rubric(CONVNET)
    first = load_rubric(
        _with_late(tmp_path, "deadline = 2026-11-27T23:59:00Z\npenalty_fraction_per_day = 0.1\n")
    )
    moved = load_rubric(
        _with_late(tmp_path, "deadline = 2026-12-04T23:59:00Z\npenalty_fraction_per_day = 0.2\n", "b.toml")
    )
    assert plain.sha256 == first.sha256 == moved.sha256
    retitled = tmp_path / "retitled.toml"
    retitled.write_text(CONVNET.read_text().replace("# The convolutional", "# Our convolutional"))
    assert load_rubric(retitled).sha256 == plain.sha256
    repointed = tmp_path / "repointed.toml"
    repointed.write_text(CONVNET.read_text().replace("points = 14", "points = 15"))
    assert load_rubric(repointed).sha256 != plain.sha256
    assert first.late is not None and first.late.deadline == datetime(2026, 11, 27, 23, 59, tzinfo=UTC)
    inline = tmp_path / "inline.toml"  # not a [late] table: hashed with the rest, as any other key
    inline.write_text(
        "late = { deadline = 2026-11-27T23:59:00Z, penalty_fraction_per_day = 0.1 }\n" + CONVNET.read_text()
    )
    assert load_rubric(inline).sha256 != plain.sha256


def test_the_shipped_rubric_has_no_policy_and_its_commented_example_is_a_valid_one(tmp_path):
    text = CONVNET.read_text()
    assert load_rubric(CONVNET).late is None
    head, example = text.split("# [late]\n")
    uncommented = tmp_path / "convnet-late.toml"
    uncommented.write_text(head + "[late]\n" + example.replace("# ", ""))
    policy = load_rubric(uncommented).late
    assert load_rubric(uncommented).sha256 == load_rubric(CONVNET).sha256  # reports stay current
    assert policy == LatePolicy(
        deadline=DEADLINE,
        grace_minutes=15,
        penalty_fraction_per_day=0.1,
        max_penalty_fraction=0.5,
        no_credit_after_days=7,
    )
    # the rubric comment's worked examples
    assert [late_days(policy, DEADLINE + timedelta(minutes=m)) for m in (10, 16, 24 * 60, 25 * 60)] == [
        0,
        1,
        1,
        2,
    ]
