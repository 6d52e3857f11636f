"""The training checks judge the trained parameters in the grader: what the worker claims (its
Solver's accuracies, its loss history, the train op itself) earns nothing.

Real submissions graded for real (loader, sandboxed worker, reference runs in child processes), on
the shipped training checks; the cache and its HMAC key live in this module's temporary directories.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.kinds.train import TrainCheck
from grader.judge.rubric import Rubric, load_rubric
from grader.report.models import Report, Status
from grader.run.grade import GradeOptions, grade_submission

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = ROOT / "submissions"
CORRECT = (SUBMISSIONS / "correct_module" / "convnet_hw.py").read_text()


@pytest.fixture(scope="module", autouse=True)
def own_key(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        yield


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    shipped = load_rubric(ROOT / "rubrics" / "convnet.toml")
    checks = [c for c in shipped.checks if isinstance(c, TrainCheck)]
    assert [c.id for c in checks] == ["overfit", "train"]
    return shipped.model_copy(update={"checks": checks})


@pytest.fixture(scope="module")
def options(tmp_path_factory) -> GradeOptions:
    return GradeOptions(secret="s", cache_dir=tmp_path_factory.mktemp("cache"))


def variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """The correct module with one edit (which must apply exactly `count` times)."""
    assert CORRECT.count(old) == count, old
    folder = tmp_path / "variant"
    folder.mkdir(parents=True)
    (folder / "convnet_hw.py").write_text(CORRECT.replace(old, new))
    return folder


def checks(report: Report) -> dict:
    assert Report.model_validate_json(report.model_dump_json()) == report
    return {c.id: c for c in report.checks}


def series(check, name: str) -> list[float]:
    return next(s.y for s in check.artifacts.series if s.name == name)


@pytest.mark.slow
def test_a_correct_net_passes_both_and_is_judged_on_held_out_images(rubric, options):
    graded = checks(grade_submission(SUBMISSIONS / "correct_module", rubric, options))
    for check in graded.values():
        assert check.status == Status.passed, check.message
        assert "judged by the grader" in check.message
    overfit = graded["overfit"].metrics
    assert overfit["train_acc"] >= overfit["reference_train_acc_min"] * 0.8
    assert "lowest of 6 reference runs" in graded["train"].threshold
    assert graded["train"].metrics["val_acc"] >= graded["train"].metrics["reference_val_acc_min"] * 0.6
    assert graded["train"].artifacts.filters is not None


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["train_label_lookup", "train_forged_solver"])
def test_what_the_worker_claims_earns_no_training_points(rubric, options, attack):
    graded = checks(grade_submission(SUBMISSIONS / "hostile" / attack, rubric, options))
    for check in graded.values():
        assert check.status == Status.failed and check.points == 0, check.message
        # In the worker the attack worked: its Solver saw (or was told) perfect accuracy...
        assert max(series(check, "val_acc")) == 1.0
        # ...but the weights it handed back classify like the untrained net they are.
        assert check.metrics["train_acc"] < 0.4 and check.metrics["val_acc"] < 0.4


@pytest.mark.slow
def test_a_net_whose_loss_is_nan_fails_with_a_clear_message_and_a_valid_report(rubric, options, tmp_path):
    nan = variant(
        tmp_path,
        "        return loss, grads\n",
        "        return np.nan, {k: g * np.nan for k, g in grads.items()}\n",
    )
    graded = checks(grade_submission(nan, rubric, options))
    for check in graded.values():
        assert check.status == Status.failed and check.points == 0
        assert "contains NaN or inf (training diverged)" in check.message
        assert check.artifacts is None or series(check, "loss") == []


@pytest.mark.slow
def test_a_bias_regularised_by_mistake_still_passes_training(options, tmp_path):
    """`db += reg * b` costs cnn_gradient.reg its points; training (reg 1e-3) must not take more:
    the threshold's margin absorbs the typo's effect."""
    shipped = load_rubric(ROOT / "rubrics" / "convnet.toml")
    reg_loop = '        for k in ("W1", "W2", "W3"):\n            grads[k] = grads[k] + self.reg * p[k]\n'
    typo = variant(tmp_path, reg_loop, reg_loop.replace('"W3")', '"W3", "b1", "b2", "b3")'))
    train = shipped.model_copy(update={"checks": [c for c in shipped.checks if c.id == "train"]})
    (check,) = grade_submission(typo, train, options).checks
    assert check.status == Status.passed, check.message


@pytest.mark.slow
def test_a_training_timeout_names_naive_layers_only_when_the_net_is_slow(rubric, options, tmp_path):
    short = rubric.model_copy(
        update={
            "checks": [c.model_copy(update={"time_limit_s": 1.0}) for c in rubric.checks if c.id == "train"]
        }
    )
    naive = variant(tmp_path / "naive", "_fast(", "_naive(", count=4)
    (slow,) = grade_submission(naive, short, options).checks
    assert slow.status == Status.timeout
    assert slow.hint and "naive layers" in slow.hint and "conv_relu_pool_forward" in slow.hint
    (fast,) = grade_submission(SUBMISSIONS / "correct_module", short, options).checks
    assert fast.status == Status.timeout  # 2,000 images do not train in a second, fast layers or not
    assert fast.hint is None
