"""Forgeries graded for real: a submission that replaces the grader's helpers in its worker, or
lies about its own speed, scores exactly what the same code without the forgery scores; nets that
compute nothing earn nothing for the net."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_grade import lean  # the shipped rubric with less training and smaller timing inputs

from grader.judge.rubric import load_rubric
from grader.report.models import Report, Status
from grader.run.grade import GradeOptions, grade_submission

ROOT = Path(__file__).resolve().parents[2]
FORGERY = ROOT / "submissions" / "hostile" / "forgery"
START, END = "# --- forgery ---", "# --- end forgery ---"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rubric():
    shipped = lean(load_rubric(ROOT / "rubrics" / "convnet.toml"))
    # Give the speedup points, as a course whose students write fast layers would.
    checks = [c.model_copy(update={"points": 2}) if c.kind == "fast_speedup" else c for c in shipped.checks]
    return shipped.model_copy(update={"checks": checks})


@pytest.fixture(scope="module")
def options(shared_cache):
    return GradeOptions(secret="forgery-secret", cache_dir=shared_cache)


@pytest.fixture(scope="module")
def graded(rubric, options):
    """grade(path) -> Report, each forgery graded once for the tests that read it."""
    reports: dict[Path, Report] = {}

    def grade(path: Path) -> Report:
        if path not in reports:
            reports[path] = grade_submission(path, rubric, options)
        return reports[path]

    return grade


def without_forgery(source: Path, folder: Path) -> Path:
    text = source.read_text()
    start, end = text.index(START), text.index(END) + len(END)
    honest = folder / source.name
    honest.write_text(text[:start] + text[end:])
    return honest


def verdicts(report: Report) -> dict[str, float]:
    """Points per check (the statuses may differ: a forged helper that errors is an error, the
    honest run of the same code a failure; both earn nothing)."""
    return {c.id: c.points for c in report.checks}


@pytest.mark.parametrize("example", ["forward_only_helpers_replaced.py", "sleep_when_timed.py"])
def test_a_forgery_scores_exactly_what_the_code_without_it_scores(graded, rubric, options, tmp_path, example):
    source = FORGERY / example
    forged = graded(source)
    honest = grade_submission(without_forgery(source, tmp_path), rubric, options)
    assert verdicts(forged) == verdicts(honest)
    assert forged.score == honest.score


def test_forward_only_earns_the_forward_passes_and_the_init_only(graded):
    report = graded(FORGERY / "forward_only_helpers_replaced.py")
    earned = {c.id for c in report.checks if c.points}
    assert earned == {
        "conv_forward.public",
        "conv_forward.hidden",
        "max_pool_forward.public",
        "max_pool_forward.hidden",
        "cnn_init.shapes",
    }, [(c.id, c.points, c.message) for c in report.checks if c.points]


def test_the_fast_layers_that_are_naive_ones_do_not_earn_the_speedup(graded):
    report = graded(FORGERY / "sleep_when_timed.py")
    speedup = next(c for c in report.checks if c.id == "fast_layers.speedup")
    assert speedup.status == Status.failed and speedup.points == 0 and speedup.max_points == 2


@pytest.mark.parametrize("example", ["constant_loss_net.py", "none_params_net.py"])
def test_a_net_that_computes_nothing_earns_nothing_for_its_loss_gradients_or_training(
    rubric, options, example
):
    report = grade_submission(FORGERY / example, rubric, options)
    model = {
        "initial_loss.no_reg",
        "initial_loss.reg",
        "cnn_gradient.no_reg",
        "cnn_gradient.reg",
        "overfit",
        "train",
    }
    assert {c.id for c in report.checks if c.points} <= {"cnn_init.shapes"}
    assert all(c.status != Status.passed for c in report.checks if c.id in model)
