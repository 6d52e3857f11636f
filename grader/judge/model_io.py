"""Talking to the student's ThreeLayerConvNet in the worker; every value that comes back is validated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.judge import claims, expected, probes
from grader.judge.check_models import ModelConfig
from grader.judge.layers.cases import public_rng
from grader.judge.student_calls import StudentCalls

MODEL = "ThreeLayerConvNet"


def build(calls: StudentCalls, config: ModelConfig, *, seed: int, **overrides: Any) -> Any:
    """A handle to ThreeLayerConvNet(**config) in the worker, its RNG seeded first so that the
    initial weights (and anything they decide) are the same every time this submission is graded."""
    calls.seed(seed)
    kwargs = {**config.model_dump(), **overrides}
    kwargs["input_dim"] = tuple(kwargs["input_dim"])
    return calls.call(MODEL, keep=True, **kwargs)


def params(calls: StudentCalls, model: Any, config: ModelConfig) -> dict[str, np.ndarray]:
    """model.params: the six arrays of the assignment's shapes, finite, as float64 copies."""
    raw = calls.get_attr(model, "params")
    found = claims.arrays(raw, "model.params", probes.param_shapes(config))
    return {name: value.astype(np.float64) for name, value in found.items()}


def set_params(calls: StudentCalls, model: Any, values: dict[str, np.ndarray]) -> None:
    """model.params[name] = value for each, in the worker (the grader chooses the weights)."""
    for name, value in values.items():
        calls.set_item(model, "params", name, value)


def loss_and_grads(
    calls: StudentCalls, model: Any, config: ModelConfig, X: np.ndarray, y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """model.loss(X, y): the loss as a finite float, the gradients as arrays shaped like the params."""
    result = claims.items(calls.call_method(model, "loss", X, y), 2, f"{MODEL}.loss(X, y)")
    loss = claims.number(result[0], "loss")
    grads = claims.arrays(result[1], "grads", probes.param_shapes(config))
    return loss, grads


def scores(calls: StudentCalls, model: Any, config: ModelConfig, X: np.ndarray) -> np.ndarray:
    """model.loss(X): the class scores (N, num_classes)."""
    value = calls.call_method(model, "loss", X)
    return claims.array(value, "scores = loss(X)", shape=(len(X), config.num_classes))


@dataclass(frozen=True)
class Evaluation:
    """The student's net evaluated twice on the same inputs: at its own initialization (the
    notebook's figures), and at weights the grader set (where every layer matters)."""

    model: Any  # the handle, holding the grader's weights now
    params: dict[str, np.ndarray]  # the student's own, read back after the first loss() call
    loss: float
    grads: dict[str, np.ndarray]
    probe: dict[str, np.ndarray]  # the grader's weights
    probe_loss: float
    probe_grads: dict[str, np.ndarray]


def evaluate(
    calls: StudentCalls, config: ModelConfig, X: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> Evaluation:
    model = build(calls, config, seed=0)
    loss, grads = loss_and_grads(calls, model, config, X, y)
    own = params(calls, model, config)  # after loss(): a net may build its params lazily
    probe = probes.probing_params(rng, config)
    set_params(calls, model, probe)
    probe_loss, probe_grads = loss_and_grads(calls, model, config, X, y)
    return Evaluation(model, own, loss, grads, probe, probe_loss, probe_grads)


def precompute_probe(config: ModelConfig, check_id: str, num_inputs: int, *, with_grads: bool) -> None:
    """Ask the yardsticks of the reference net at the grader's probing weights, drawn as `evaluate`
    draws them (building the student kit). Gradients only for the checks that judge them (the
    notebook's default net's W2 alone is 6.5 MB)."""
    rng = public_rng(check_id)
    X, y = probes.inputs(rng, config, num_inputs)
    probe = probes.probing_params(rng, config)
    expected.model_loss_value(config, probe, X, y)
    expected.model_loss_value(config, probe, X, y, reg=0.0)
    expected.model_scores(config, probe, X)
    expected.relu_missing_loss(config, probe, X, y)
    if with_grads:
        expected.model_loss(config, probe, X, y)
