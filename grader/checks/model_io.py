"""Building the student's ThreeLayerConvNet in the worker, and the inputs the model checks use."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.base import MalformedResultError, StudentCalls
from grader.rubric import ModelConfig

MODEL = "ThreeLayerConvNet"
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def build(calls: StudentCalls, config: ModelConfig, *, seed: int, **overrides: Any) -> Any:
    """A handle to ThreeLayerConvNet(**config) in the worker, its RNG seeded first so that the
    initial weights (and anything they decide) are the same every time this submission is graded."""
    calls.seed(seed)
    kwargs = {**config.model_dump(), **overrides}
    kwargs["input_dim"] = tuple(kwargs["input_dim"])
    return calls.call(MODEL, keep=True, **kwargs)


def expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The assignment's layout: conv (same size) - relu - 2x2 pool - affine - relu - affine."""
    C, H, W = config.input_dim
    F, size = config.num_filters, config.filter_size
    return {
        "W1": (F, C, size, size),
        "b1": (F,),
        "W2": (F * (H // 2) * (W // 2), config.hidden_dim),
        "b2": (config.hidden_dim,),
        "W3": (config.hidden_dim, config.num_classes),
        "b3": (config.num_classes,),
    }


def inputs(rng: np.random.Generator, config: ModelConfig, count: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((count, *config.input_dim)).astype(config.dtype)
    y = rng.integers(config.num_classes, size=count)
    return X, y


def weight_norm(params: dict[str, np.ndarray]) -> float:
    """sum(W**2) over the weight matrices (not the biases), in float64."""
    return float(
        sum(np.sum(np.asarray(v, dtype=np.float64) ** 2) for k, v in params.items() if k.startswith("W"))
    )


def loss_value(calls: StudentCalls, model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """model.loss(X, y)[0]; the gradients stay in the worker."""
    loss, _ = calls.call_method(model, "loss", X, y, keep=(1,))
    if not (isinstance(loss, int | float | np.number | np.ndarray) and np.ndim(loss) == 0):
        raise MalformedResultError(f"{MODEL}.loss(X, y) should return (loss, grads) with loss a number")
    return float(loss)


def loss_without_reg(
    calls: StudentCalls, config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> float:
    """The student's loss with reg = 0 on exactly these parameters (a second model, params copied)."""
    model = build(calls, config, seed=0, reg=0.0)
    for name, value in params.items():
        calls.set_item(model, "params", name, value)
    return loss_value(calls, model, X, y)
