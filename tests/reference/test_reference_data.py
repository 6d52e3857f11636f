"""CIFAR-10 loading from genuine-format batches, and the built-in learnable dataset."""

import pickle

import numpy as np
import pytest

from reference import data
from reference.cnn import ThreeLayerConvNet
from reference.solver import Solver


def write_cifar_batches(root, per_batch=20, seed=0):
    """Write data_batch_1..5 and test_batch the way CIFAR-10 ships them; return their contents."""
    rng = np.random.default_rng(seed)
    written = {}
    for name in [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]:
        X = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, per_batch).tolist()
        with open(root / name, "wb") as f:
            # The originals were pickled by Python 2 (protocol 2) with these four keys.
            batch = {
                "batch_label": name,
                "labels": y,
                "data": X,
                "filenames": [f"{i}.png" for i in range(per_batch)],
            }
            pickle.dump(batch, f, protocol=2)
        written[name] = (X, y)
    return written


def test_cifar_batch_loads_as_nchw_in_channel_planes(tmp_path):
    batches = write_cifar_batches(tmp_path)
    X, y = data.load_CIFAR_batch(tmp_path / "data_batch_3")
    raw, labels = batches["data_batch_3"]
    assert X.shape == (20, 3, 32, 32) and y.tolist() == labels
    # Each row holds the 1024 red values, then green, then blue, each plane row by row.
    assert X[5, 1, 2, 7] == raw[5, 1024 + 2 * 32 + 7]


def test_get_cifar10_data_splits_and_subtracts_the_training_mean(tmp_path):
    batches = write_cifar_batches(tmp_path)
    d = data.get_CIFAR10_data(num_training=70, num_validation=20, num_test=15, cifar10_dir=tmp_path)
    assert {k: v.shape for k, v in d.items()} == {
        "X_train": (70, 3, 32, 32),
        "y_train": (70,),
        "X_val": (20, 3, 32, 32),
        "y_val": (20,),
        "X_test": (15, 3, 32, 32),
        "y_test": (15,),
    }
    assert d["X_train"].dtype == np.float32
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0, atol=1e-3)
    # Validation images come right after the training ones: batch 4 starts at image 60.
    raw = np.concatenate([batches[f"data_batch_{b}"][0] for b in range(1, 6)]).astype(np.float64)
    mean = raw[:70].mean(axis=0)
    np.testing.assert_allclose(d["X_val"][0].ravel(), raw[70] - mean, rtol=1e-5, atol=1e-3)
    assert d["y_test"].tolist() == batches["test_batch"][1][:15]


def test_cifar10_location_comes_from_the_environment(tmp_path, monkeypatch):
    write_cifar_batches(tmp_path, per_batch=4)
    monkeypatch.setenv(data.CIFAR10_DIR_ENV, str(tmp_path))
    assert data.data_source() == f"CIFAR-10 at {tmp_path}"
    d = data.get_data(num_training=15, num_validation=5, num_test=4, subtract_mean=False)
    raw, _ = data.load_CIFAR_batch(tmp_path / "data_batch_1")
    np.testing.assert_array_equal(d["X_train"][:4], raw)
    monkeypatch.delenv(data.CIFAR10_DIR_ENV)
    assert data.data_source() == "the built-in dataset"


def test_missing_or_malformed_cifar_files_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.delenv(data.CIFAR10_DIR_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match=data.CIFAR10_DIR_ENV):
        data.get_CIFAR10_data()
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        data.get_CIFAR10_data(cifar10_dir=tmp_path)
    (tmp_path / "bad").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="is not a CIFAR-10 python batch"):
        data.load_CIFAR_batch(tmp_path / "bad")
    write_cifar_batches(tmp_path, per_batch=2)
    with pytest.raises(ValueError, match="asked for"):
        data.get_CIFAR10_data(num_training=10, cifar10_dir=tmp_path)


def test_builtin_dataset_is_deterministic_and_prefix_stable():
    X, y = data.builtin_images(1200)
    X_again, y_again = data.builtin_images(1200)
    X_small, y_small = data.builtin_images(300)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(X[:300], X_small)
    np.testing.assert_array_equal(y[:300], y_small)
    assert X.dtype == np.float32 and X.shape == (1200, 3, 32, 32)
    assert X.min() >= 0 and X.max() <= 255
    assert set(np.unique(y)) == set(range(10))
    X_test, _ = data.builtin_images(300, "test")
    X_other, _ = data.builtin_images(300, seed=1)
    assert not np.array_equal(X_test, X_small) and not np.array_equal(X_other, X_small)


def test_get_data_without_cifar_gives_the_builtin_split(monkeypatch):
    monkeypatch.delenv(data.CIFAR10_DIR_ENV, raising=False)
    d = data.get_data(num_training=500, num_validation=100, num_test=50)
    X_pool, y_pool = data.builtin_images(600)
    np.testing.assert_array_equal(d["y_val"], y_pool[500:])
    np.testing.assert_allclose(d["X_val"], X_pool[500:] - X_pool[:500].mean(axis=0), atol=1e-3)
    assert d["X_test"].shape == (50, 3, 32, 32)


class GradientAscentNet(ThreeLayerConvNet):
    """A broken model: its gradients point the wrong way."""

    def loss(self, X, y=None):
        if y is None:
            return super().loss(X)
        loss, grads = super().loss(X, y)
        return loss, {k: -g for k, g in grads.items()}


def one_short_epoch(model_class):
    d = data.get_builtin_data(num_training=2000, num_validation=500, num_test=0)
    np.random.seed(0)
    model = model_class(num_filters=16, hidden_dim=100)
    solver = Solver(
        model,
        d,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        batch_size=50,
        num_epochs=1,
        verbose=False,
    )
    solver.train()
    return solver.check_accuracy(d["X_val"], d["y_val"])


@pytest.mark.slow
def test_builtin_dataset_is_learned_by_a_correct_net_and_not_by_a_broken_one():
    # 40 iterations of batch 50; chance is 0.1.
    assert one_short_epoch(ThreeLayerConvNet) > 0.35
    assert one_short_epoch(GradientAscentNet) < 0.2
