"""Training curves: every recorded iteration on one axis, each accuracy where the Solver measured it."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from matplotlib.image import imread
from pydantic import ValidationError

from grader.export import html
from grader.judge.check_models import TrainParams
from grader.judge.kinds.train import accuracy_iterations, training_series
from grader.report.models import Series
from reference.solver import Solver


def params(num_train: int, batch_size: int, num_epochs: int) -> TrainParams:
    return TrainParams(
        model={},
        num_train=num_train,
        batch_size=batch_size,
        num_epochs=num_epochs,
        learning_rate=1e-3,
        metric="train_acc",
        cifar_threshold=0.4,
        relative_threshold=0.8,
    )


class CountingModel:
    """A linear classifier that notes after how many training steps each accuracy is measured."""

    def __init__(self) -> None:
        self.params = {"W": np.zeros((4, 3))}
        self.steps = 0
        self.measured_after: list[int] = []

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        scores = X @ self.params["W"]
        if y is None:
            if self.measured_after[-1:] != [self.steps]:
                self.measured_after.append(self.steps)
            return scores
        self.steps += 1
        return float(self.steps), {"W": np.ones_like(self.params["W"])}


@pytest.mark.parametrize(
    ("num_train", "batch_size", "num_epochs"),
    [(100, 50, 25), (5000, 50, 1), (120, 50, 3), (30, 50, 3), (50, 50, 1)],
)
def test_accuracy_iterations_are_where_the_reference_solver_measures(num_train, batch_size, num_epochs):
    model = CountingModel()
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((num_train, 4)), rng.integers(0, 3, num_train)
    data = {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}
    solver = Solver(model, data, batch_size=batch_size, num_epochs=num_epochs, verbose=False)
    solver.train()
    expected = accuracy_iterations(num_train, params(num_train, batch_size, num_epochs))
    # each checkpoint measures train then val accuracy after the same step
    assert model.measured_after == expected
    assert len(solver.train_acc_history) == len(expected) and expected[-1] == len(solver.loss_history)


def test_training_series_put_every_history_on_the_iteration_axis():
    at = accuracy_iterations(100, params(100, 50, 25))  # 1, 2, 4, ..., 50
    claim = {"loss_history": [2.3 - i / 50 for i in range(50)], "train_acc_history": [0.5] * 26}
    claim["val_acc_history"] = [0.4] * 30  # longer than the Solver's schedule: the extra is not placed
    loss, train_acc, val_acc = training_series(claim, at)
    assert {s.x_label for s in (loss, train_acc, val_acc)} == {"iteration"}
    assert loss.x == list(range(1, 51)) and loss.y[0] == 2.3
    assert train_acc.x == [1, *range(2, 51, 2)] == val_acc.x and len(val_acc.y) == 26


def test_a_long_loss_history_is_thinned_with_its_iterations_and_stops_at_nan():
    loss, *_ = training_series({"loss_history": list(range(5000))}, [1, 5000])
    assert len(loss.x) == 1000 and (loss.x[0], loss.x[-1]) == (1, 5000)
    assert all(y == x - 1 for x, y in zip(loss.x, loss.y, strict=True))  # each value at its own iteration
    loss, train_acc, _ = training_series(
        {"loss_history": [2.0, float("nan"), 1.0], "train_acc_history": "x"}, [1]
    )
    assert loss.y == [2.0] and loss.x == [1] and train_acc.y == train_acc.x == []


def test_x_values_must_match_the_points():
    with pytest.raises(ValidationError, match="2 x values for 3 points"):
        Series(name="loss", x=[1, 2], y=[1.0, 2.0, 3.0])
    with pytest.raises(ValidationError):
        Series(name="loss", x=[1, float("nan")], y=[1.0, 2.0])


def test_the_running_mean_averages_neighbours_and_skips_gaps():
    np.testing.assert_allclose(html.running_mean([1, 2, 3, 4, 5], 3), [1.5, 2, 3, 4, 4.5])
    np.testing.assert_allclose(html.running_mean([1, np.nan, 3], 3), [1, 2, 3])


def picture(png: str) -> np.ndarray:
    return imread(io.BytesIO(base64.b64decode(png)), format="png")


def test_loss_and_accuracies_share_one_axis_stacked_and_old_ones_sit_side_by_side():
    t = list(range(1, 981))
    noisy = (2.3 + 0.3 * np.random.default_rng(0).standard_normal(980)).tolist()
    new = [
        Series(name="loss", x=t, y=noisy),
        Series(name="train_acc", x=[1, 980], y=[0.1, 0.5]),
        Series(name="val_acc", x=[1, 980], y=[0.1, 0.45]),
    ]
    stacked = picture(html.curves_png(new, "Train one epoch"))
    old = [Series(name="loss", y=noisy[:30]), Series(name="val_acc", x_label="epoch", y=[0.1, 0.4])]
    side_by_side = picture(html.curves_png(old, "Train one epoch"))
    assert stacked.shape[0] > 1.5 * side_by_side.shape[0]  # two panels over one iteration axis
    assert side_by_side.shape[1] > 1.5 * side_by_side.shape[0]  # loss | accuracy per epoch
    assert 800 <= stacked.shape[1] <= 1100  # fits the page at 1280 px without scaling down much
