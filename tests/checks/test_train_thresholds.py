"""The shipped training thresholds hold for every correct net: the reference, trained with 24 seeds
other than the threshold's own and every order of drawing its weights, passes each check every
time (docs/performance.md, "Training thresholds", has the spread and the false-fail rate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.judge.kinds.train import TrainCheck, threshold_from
from grader.judge.rubric import load_rubric
from grader.judge.training import runs_cache, store
from grader.judge.training.reference_runs import INIT_ORDERS, init_order

ROOT = Path(__file__).resolve().parents[2]
SWEEP = list(range(100, 124))
CHECKS = [c for c in load_rubric(ROOT / "rubrics" / "convnet.toml").checks if isinstance(c, TrainCheck)]


@pytest.fixture(scope="module")
def dataset(shared_cache):
    """The shared cache, signed with the same key as every other test's entries: the thresholds'
    own reference runs are the ones grading already made."""
    num_train = max(c.params.num_train for c in CHECKS)
    num_val = max(c.params.num_val for c in CHECKS)
    return shared_cache, store.prepare_dataset(shared_cache, None, num_train, num_val)


def test_the_sweep_covers_every_init_order_and_none_of_the_thresholds_seeds():
    assert {init_order(seed) for seed in SWEEP} == set(INIT_ORDERS)
    assert not set(SWEEP) & {s for c in CHECKS for s in runs_cache.reference_seeds(c.params)}


def test_a_class_below_sweeps_each_training_check_of_the_rubric():
    assert {c.id for c in CHECKS} == {"overfit", "train"}


def assert_every_seed_passes(dataset, check_id: str) -> None:
    cache, data_dir = dataset
    p = next(c for c in CHECKS if c.id == check_id).params
    threshold = threshold_from(
        p, runs_cache.reference_distribution(cache, data_dir, "builtin", p, p.num_train)
    )
    judging = store.judging_dir(cache, data_dir)
    sweep = runs_cache.train_reference_runs(data_dir, judging, p, p.num_train, SWEEP)
    failing = {
        seed: run[p.metric] for seed, run in zip(SWEEP, sweep, strict=True) if run[p.metric] < threshold
    }
    assert failing == {}, f"below {threshold:.3f}: {failing}"


# A class each, so pytest-xdist (`--dist loadscope`) runs the two sweeps on different workers.
@pytest.mark.slow
class TestOverfitThreshold:
    def test_every_seed_and_init_order_of_the_reference_passes(self, dataset):
        assert_every_seed_passes(dataset, "overfit")


@pytest.mark.slow
class TestTrainThreshold:
    def test_every_seed_and_init_order_of_the_reference_passes(self, dataset):
        assert_every_seed_passes(dataset, "train")
