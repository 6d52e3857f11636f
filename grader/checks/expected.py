"""The answer key as the checks use it: what the reference computes on the grader's inputs.

Everything here runs in the grader's own (trusted) process, on inputs the
grader chose or on values the student claimed (the parameters read back from
their model). It is the only place the checks call `reference`, so the
yardsticks of every check can be read in one file.

Two providers, chosen at startup: the reference itself (the instructor's grader), or, in the
student kit, which has no answer-key code, a table of the reference's outputs precomputed at
release time (`grader.checks.yardstick`). With the table, inputs it does not hold (the
student's own initialization, inputs moved by h) raise `NotPrecomputedError`; `full()` says
which provider is in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from grader import data_cache
from grader.checks import diagnose
from grader.checks.cases import ConvCase, PoolCase
from grader.checks.yardstick import NotPrecomputedError, Table, installed
from grader.rubric import ModelConfig, TrainParams
from reference import layer_utils, notebook_cases
from reference.cnn import ThreeLayerConvNet
from reference.fast_layers import conv_forward_fast, max_pool_forward_fast
from reference.layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)

PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")

TABLE: Table | None = installed()


def full() -> bool:
    """True when the reference computes every yardstick; False in the student kit."""
    return TABLE is None


def layer_forward(layer: str, args: list[object]) -> np.ndarray:
    """The reference's forward output of a layer (naive, fast or sandwich) on these arguments."""
    if TABLE is not None:
        return TABLE.get("layer_forward", layer, args)
    forward = {
        "conv": conv_forward_fast,
        "conv_fast": conv_forward_fast,
        "max_pool": max_pool_forward_fast,
        "max_pool_fast": max_pool_forward_fast,
        "conv_relu": layer_utils.conv_relu_forward,
        "conv_relu_pool": layer_utils.conv_relu_pool_forward,
    }[layer]
    return forward(*args)[0]  # type: ignore[operator]


def correct_output(layer: str, direction: str, case: ConvCase | PoolCase) -> object:
    """The reference's answer on a layer case, in float64."""
    if TABLE is not None:
        return TABLE.get("correct_output", layer, direction, case)
    return diagnose.correct_output(layer, direction, case)


def diagnose_layer(
    layer: str, direction: str, failures: Sequence[tuple[ConvCase | PoolCase, object]]
) -> str | None:
    """The known bug that reproduces the student's output on a failing case; in the kit, from the
    variants' outputs precomputed on the public cases."""
    if TABLE is None:
        return diagnose.diagnose_layer(layer, direction, failures)
    table = TABLE
    return diagnose.diagnose_layer(layer, direction, failures, lambda *case: table.get("variants", *case))


def naive_forward(case: ConvCase | PoolCase) -> tuple[np.ndarray, tuple]:
    """The reference's naive layer on a case (what the speedup check times the student's fast one against)."""
    if TABLE is not None:
        raise NotPrecomputedError("the kit does not time layers")
    if isinstance(case, ConvCase):
        return conv_forward_naive(case.x, case.w, case.b, case.conv_param)
    return max_pool_forward_naive(case.x, case.pool_param)


def naive_backward(case: ConvCase | PoolCase, cache: tuple) -> object:
    if isinstance(case, ConvCase):
        return conv_backward_naive(case.dout, cache)
    return max_pool_backward_naive(case.dout, cache)


def published_output(layer: str) -> np.ndarray:
    """The notebook's printed (8-digit) output of its naive forward case for this layer."""
    return notebook_cases.CONV_FORWARD_OUT if layer == "conv" else notebook_cases.MAX_POOL_FORWARD_OUT


# --- ThreeLayerConvNet ------------------------------------------------------------------------


def param_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
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


def model(config: ModelConfig, params: dict[str, np.ndarray]) -> ThreeLayerConvNet:
    """The reference net of this config holding exactly these parameters (copied)."""
    net = ThreeLayerConvNet(
        input_dim=config.input_dim,
        num_filters=config.num_filters,
        filter_size=config.filter_size,
        hidden_dim=config.hidden_dim,
        num_classes=config.num_classes,
        weight_scale=config.weight_scale,
        reg=config.reg,
        dtype=np.dtype(config.dtype).type,
    )
    net.params = {name: np.array(params[name]) for name in PARAM_NAMES}
    return net


def model_loss(
    config: ModelConfig,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    reg: float | None = None,
) -> tuple[float, dict[str, np.ndarray]]:
    """The reference's (loss, grads) with these parameters; `reg` overrides the config's."""
    if TABLE is not None:
        loss, grads = TABLE.get("model_loss", config, params, X, y, reg)
        return loss, grads
    net = model(config if reg is None else config.model_copy(update={"reg": reg}), params)
    loss, grads = net.loss(X, y)
    return float(loss), grads


def model_scores(config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    if TABLE is not None:
        return TABLE.get("model_scores", config, params, X)
    return model(config, params).loss(X)


def diagnose_model_loss(
    config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, student_loss: float
) -> str | None:
    """`diagnose.diagnose_model_loss`, with the known-wrong net's loss precomputed in the kit."""
    wrong = None if TABLE is None else TABLE.get("relu_missing_loss", config, params, X, y)
    return diagnose.diagnose_model_loss(config, params, X, y, student_loss, wrong)


def reference_run(
    cache_dir: Path, data_dir: Path, dataset: str, p: TrainParams, num_train: int
) -> dict[str, float]:
    """What the reference net reaches in a training check (cached on disk; precomputed in the kit,
    for the built-in dataset)."""
    if TABLE is not None:
        return TABLE.get("reference_run", dataset, p, num_train)
    return data_cache.reference_run(cache_dir, data_dir, dataset, p, num_train)


def weight_norm(params: dict[str, np.ndarray]) -> float:
    """sum(W**2) over the weight matrices (not the biases), in float64."""
    return float(sum(np.sum(np.asarray(params[k], dtype=np.float64) ** 2) for k in ("W1", "W2", "W3")))


def probing_params(rng: np.random.Generator, config: ModelConfig) -> dict[str, np.ndarray]:
    """Parameters the grader sets in the student's net so that every layer matters.

    The student's own init (weight_scale ~1e-3) makes every score nearly 0 and the loss nearly
    ln(C) whatever the net computes, so a net without its ReLU, or one that returns a constant
    loss, looks right there. Weights of scale 1/sqrt(fan_in) and nonzero biases keep activations
    of order 1: half the ReLUs are off, pooling picks real maxima, the scores spread.
    """
    params = {}
    for name, shape in param_shapes(config).items():
        if name.startswith("W"):
            fan_in = int(np.prod(shape[1:])) if name == "W1" else shape[0]
            value = rng.standard_normal(shape) / np.sqrt(fan_in)
        else:
            value = 0.1 * rng.standard_normal(shape)
        params[name] = value.astype(config.dtype)
    return params
