"""The net the assignment asks for, as the grader probes it: its parameters' names and shapes, and
the inputs and weights the grader chooses (seeded) to run the student's net and the reference on."""

from __future__ import annotations

import numpy as np

from grader.judge.check_models import ModelConfig

PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


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


def inputs(rng: np.random.Generator, config: ModelConfig, count: int) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((count, *config.input_dim)).astype(config.dtype)
    y = rng.integers(config.num_classes, size=count)
    return X, y


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
