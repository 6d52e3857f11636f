"""The train op on a real submission (loaded by grader.load.submission), with data from a read-only dir."""

from __future__ import annotations

import numpy as np
import pytest

from grader.isolate import StudentFailure, Worker
from grader.load.submission import load
from reference.data import get_builtin_data

from .conftest import FAST, LEVELS, REPO


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("data")
    data = get_builtin_data(num_training=40, num_validation=10, num_test=1, dtype=np.float64)
    for key in ("X_train", "y_train", "X_val", "y_val"):
        np.save(path / f"{key}.npy", data[key])
    return path


def test_train_runs_the_starter_solver_on_the_students_model(tmp_path, data_dir):
    bundle = load(REPO / "submissions" / "correct_module" / "convnet_hw.py", tmp_path / "scratch")
    limits = FAST.model_copy(update={"call_timeout_s": 60.0})
    with Worker(bundle, limits, ro_dirs=[data_dir], isolation=LEVELS[0]) as worker:
        model = worker.call(
            "ThreeLayerConvNet", keep=True, num_filters=4, filter_size=3, hidden_dim=10, dtype="float64"
        ).value
        solver = {"num_epochs": 2, "batch_size": 20, "optim_config": {"learning_rate": 1e-3}}
        result = worker.op("train", model=model, data_dir=str(data_dir), solver=solver).value
        assert len(result["loss_history"]) == 4  # 2 epochs x 40 / 20
        assert all(np.isfinite(result["loss_history"]))
        assert len(result["val_acc_history"]) == 3  # before training and after each epoch
        trained = worker.get_attr(model, "params").value
        assert sorted(result["params"]) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        for name, value in trained.items():
            np.testing.assert_array_equal(result["params"][name], value)
        # val_split="train": the Solver validates on the training samples, so its val history is
        # its training accuracy on those same 40 images
        again = worker.op(
            "train", model=model, data_dir=str(data_dir), solver=solver, val_split="train"
        ).value
        assert again["val_acc_history"] == again["train_acc_history"]
        with pytest.raises(StudentFailure, match="not one of the worker's read-only dirs"):
            worker.op("train", model=model, data_dir=str(tmp_path), solver=solver)
