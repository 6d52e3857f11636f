"""Training checks on CIFAR-10 (here: real CIFAR-format batch files holding learnable images) use the
notebook's absolute threshold and train on the CIFAR data, not the built-in dataset."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from grader.judge.kinds.train import TrainCheck
from grader.judge.rubric import load_rubric
from grader.report.models import Status
from grader.run.grade import GradeOptions, grade_submission
from reference.data import builtin_images

ROOT = Path(__file__).resolve().parents[2]


def write_cifar(root: Path, per_batch: int) -> None:
    """data_batch_1..5 and test_batch as CIFAR-10 ships them (uint8 rows, latin1-readable pickles)."""
    X, y = builtin_images(6 * per_batch, "train", seed=3)
    rows = np.clip(X, 0, 255).astype(np.uint8).reshape(len(X), -1)
    for i, name in enumerate([f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]):
        part = slice(i * per_batch, (i + 1) * per_batch)
        with open(root / name, "wb") as f:
            pickle.dump({"data": rows[part], "labels": [int(v) for v in y[part]]}, f)


@pytest.mark.slow
def test_overfit_on_cifar_uses_its_files_and_the_absolute_threshold(tmp_path):
    cifar = tmp_path / "cifar-10-batches-py"
    cifar.mkdir()
    write_cifar(cifar, per_batch=50)
    rubric = load_rubric(ROOT / "rubrics" / "convnet.toml")
    overfit = next(c for c in rubric.checks if c.id == "overfit")
    assert isinstance(overfit, TrainCheck)
    # 250 images: 50 to overfit, 100 to validate; the dataset is tiny, the threshold is absolute.
    params = overfit.params.model_copy(update={"num_val": 100, "cifar_threshold": 0.5})
    rubric = rubric.model_copy(update={"checks": [overfit.model_copy(update={"params": params})]})
    options = GradeOptions(cifar_dir=cifar, cache_dir=tmp_path / "cache")

    report = grade_submission(ROOT / "submissions" / "correct_module", rubric, options)

    (check,) = report.checks
    assert report.dataset == f"cifar10:{cifar.resolve()}"
    assert check.status == Status.passed, check.message
    assert check.threshold == "train_acc >= 0.5 (CIFAR-10)"
    assert "reference_train_acc" not in check.metrics
    assert not (tmp_path / "cache" / "reference_runs").exists()  # no reference run on CIFAR-10
    (data_dir,) = (tmp_path / "cache" / "data").iterdir()
    assert np.load(data_dir / "X_train.npy").shape == (overfit.params.num_train, 3, 32, 32)
