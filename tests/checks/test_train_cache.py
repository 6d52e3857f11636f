"""The training checks' cache is authenticated, and what comes back from a worker is validated.

Real files in a temporary cache, real reference runs (a tiny net, in child processes); the HMAC
key lives in a temporary config dir. A cache entry that was altered — a relabelled held-out split,
a reference run whose accuracy was lowered to move a threshold — is never used: it is detected,
discarded and computed again.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from grader.judge import probes
from grader.judge.check_models import ModelConfig, TrainParams
from grader.judge.kinds.train import display_history, threshold_from, trained_params
from grader.judge.student_calls import MalformedResultError
from grader.judge.training import reference_runs, runs_cache, store

TINY = TrainParams(
    model=ModelConfig(num_filters=2, filter_size=3, hidden_dim=5, dtype="float32"),
    num_train=20,
    num_val=10,
    batch_size=10,
    learning_rate=1e-3,
    metric="train_acc",
    cifar_threshold=0.5,
    relative_threshold=0.5,
    reference_runs=2,
)


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def dataset(tmp_path):
    cache = tmp_path / "cache"
    return cache, store.prepare_dataset(cache, None, TINY.num_train, TINY.num_val)


def test_the_worker_gets_the_solvers_data_and_the_judging_split_stays_apart(dataset):
    cache, data_dir = dataset
    assert sorted(p.name for p in data_dir.glob("*.npy")) == sorted(
        f"{n}.npy" for n in store.WORKER_ARRAYS
    )
    judging = store.judging_dir(cache, data_dir)
    assert not judging.is_relative_to(data_dir) and judging.stat().st_mode & 0o777 == 0o700
    split = store.read_arrays(judging, store.JUDGING_ARRAYS)
    worker = store.read_arrays(data_dir, store.WORKER_ARRAYS)
    np.testing.assert_array_equal(split["X_fit"], worker["X_train"])  # the first training samples
    held_out = {image.tobytes() for image in split["X_heldout"]}
    assert len(split["y_heldout"]) == store.JUDGE_SAMPLES
    assert not held_out & {image.tobytes() for image in [*worker["X_train"], *worker["X_val"]]}


@pytest.mark.parametrize("where, name", [("judging", "y_heldout"), ("data", "y_train")])
def test_a_relabelled_dataset_file_is_detected_and_written_again(dataset, where, name):
    cache, data_dir = dataset
    directory = data_dir if where == "data" else store.judging_dir(cache, data_dir)
    original = np.load(directory / f"{name}.npy")
    np.save(directory / f"{name}.npy", np.zeros_like(original))
    with pytest.raises(store.PoisonedEntryError, match="does not match its HMAC"):
        store.read_arrays(directory, (name,))
    assert store.prepare_dataset(cache, None, TINY.num_train, TINY.num_val) == data_dir
    np.testing.assert_array_equal(store.read_arrays(directory, (name,))[name], original)


def test_parameters_are_judged_on_the_authentic_split_only(dataset):
    cache, data_dir = dataset
    params = params_for(TINY.model)  # all zero: every score ties, argmax says class 0
    judged = reference_runs.judged(cache, data_dir, TINY.model, params, TINY.num_train, TINY.metric)
    split = store.read_arrays(store.judging_dir(cache, data_dir), store.JUDGING_ARRAYS)
    # the metric on every judging image it applies to; the other accuracy, only shown, on fewer
    assert judged == {
        "train_acc": float(np.mean(split["y_fit"][: TINY.num_train] == 0)),
        "val_acc": float(np.mean(split["y_heldout"][: reference_runs.SHOWN_SAMPLES] == 0)),
    }
    # altered while in use (here: every held-out label set to 0): written again, judged the same
    np.save(store.judging_dir(cache, data_dir) / "y_heldout.npy", np.zeros(store.JUDGE_SAMPLES))
    assert reference_runs.judged(cache, data_dir, TINY.model, params, TINY.num_train, TINY.metric) == judged
    # a split no grading of this process prepared cannot be written again: never used
    (store.judging_dir(cache, data_dir) / "manifest.json").write_text('{"score": 100}')
    store._PREPARED.clear()
    with pytest.raises(store.CacheError, match="judging data changed while in use"):
        reference_runs.judged(cache, data_dir, TINY.model, params, TINY.num_train, TINY.metric)


def test_a_swapped_manifest_does_not_authenticate_another_file(dataset):
    cache, data_dir = dataset
    # y_val's HMAC names y_val: copying y_val.npy over y_train.npy with y_val's HMAC fails
    manifest = json.loads((data_dir / "manifest.json").read_text())
    manifest["hmac"]["y_train"] = manifest["hmac"]["y_val"]
    (data_dir / "manifest.json").write_text(json.dumps(manifest))
    (data_dir / "y_train.npy").write_bytes((data_dir / "y_val.npy").read_bytes())
    with pytest.raises(store.PoisonedEntryError):
        store.read_arrays(data_dir, ("y_train",))


@pytest.mark.slow
def test_a_forged_reference_run_is_discarded_and_computed_again(dataset):
    cache, data_dir = dataset
    runs = runs_cache.reference_distribution(cache, data_dir, "builtin", TINY, TINY.num_train)
    assert runs_cache.valid_runs(runs, 2)
    (path,) = (cache / "reference_runs").glob("*.json")
    record = json.loads(path.read_text())
    # lowering the reference lowers the threshold: keep the old HMAC, change a number
    record["runs"][0]["train_acc"] = 0.0
    path.write_text(json.dumps(record))
    assert runs_cache.reference_distribution(cache, data_dir, "builtin", TINY, TINY.num_train) == runs
    assert json.loads(path.read_text())["runs"][0]["train_acc"] == runs[0]["train_acc"]
    # authentic but implausible (an accuracy above 1) is discarded too
    forged = [{"train_acc": 1.5, "val_acc": 0.5}, runs[1]]
    body = json.dumps(forged, sort_keys=True).encode()
    path.write_text(json.dumps({"runs": forged, "hmac": store.mac(path.name.encode(), body)}))
    assert runs_cache.reference_distribution(cache, data_dir, "builtin", TINY, TINY.num_train) == runs


def test_the_key_must_be_the_users_own_private_file(tmp_path):
    key = store.cache_key()
    assert len(key) == 32 and store.cache_key() == key
    os.chmod(store.key_path(), 0o644)
    with pytest.raises(store.CacheError, match="mode 0600"):
        store.cache_key()


def params_for(config: ModelConfig, **changes) -> dict:
    params = {k: np.zeros(s, dtype=np.float32) for k, s in probes.param_shapes(config).items()}
    return {**params, **changes}


@pytest.mark.parametrize(
    "claim, message",
    [
        ({"final_train_acc": 1.0}, "the training's result: has no 'params'"),
        ({"params": params_for(TINY.model, W4=np.zeros(3))}, "unexpected entries W4"),
        ({"params": params_for(TINY.model, W2=np.zeros((5, 5)))}, r"W2'\]: shape \(5, 5\)"),
        ({"params": params_for(TINY.model, b1=np.zeros(2, dtype=np.int64))}, "is not a float type"),
        ({"params": params_for(TINY.model, b3=np.full(10, np.nan))}, r"NaN or inf \(training diverged\)"),
    ],
)
def test_trained_params_are_validated(claim, message):
    with pytest.raises(MalformedResultError, match=message):
        trained_params(claim, TINY.model)


def test_valid_trained_params_come_back_as_float64():
    params = trained_params({"params": params_for(TINY.model)}, TINY.model)
    assert {v.dtype for v in params.values()} == {np.dtype(np.float64)}


def test_histories_are_shown_up_to_the_first_non_finite_value_and_capped():
    assert display_history([2.3, 1.0, float("nan"), 0.5]) == [2.3, 1.0]
    assert display_history("1.0") == [] and display_history([True, 1.0]) == []
    long = display_history(list(range(10_000)))
    assert len(long) == 1000 and long[0] == 0 and long[-1] == 9999


def test_the_threshold_is_a_fraction_of_the_lowest_run_never_below_the_floor():
    runs = [{"train_acc": 0.9, "val_acc": 0.2}, {"train_acc": 0.8, "val_acc": 0.3}]
    assert threshold_from(TINY, runs) == pytest.approx(0.4)
    assert threshold_from(TINY.model_copy(update={"relative_threshold": 0.1}), runs) == TINY.min_accuracy
