"""Sandwich layers: common stacks of layers as one forward and one backward function.

The affine layers, convolutions and pooling here are the fast ones from ``fast_layers``.
"""

import numpy as np

from .fast_layers import (
    affine_backward_fast,
    affine_forward_fast,
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)
from .layers import relu_backward, relu_forward


def affine_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Affine then ReLU: ``out = max(0, x.reshape(N, D) @ w + b)``.

    Inputs: x (N, d_1, ..., d_k); w (D, M); b (M,). Returns (out (N, M), cache).
    """
    a, fc_cache = affine_forward_fast(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``affine_relu_forward``: returns (dx, dw, db)."""
    fc_cache, relu_cache = cache
    return affine_backward_fast(relu_backward(dout, relu_cache), fc_cache)


def conv_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict
) -> tuple[np.ndarray, tuple]:
    """Convolution then ReLU: ``out = max(0, conv(x, w) + b)``.

    Inputs: x (N, C, H, W); w (F, C, HH, WW); b (F,); conv_param {'stride', 'pad'}.
    Returns (out (N, F, H', W'), cache).
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``conv_relu_forward``: returns (dx, dw, db)."""
    conv_cache, relu_cache = cache
    return conv_backward_fast(relu_backward(dout, relu_cache), conv_cache)


def conv_relu_pool_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict, pool_param: dict
) -> tuple[np.ndarray, tuple]:
    """Convolution, ReLU, then max pooling: ``out = maxpool(max(0, conv(x, w) + b))``.

    Inputs: x (N, C, H, W); w (F, C, HH, WW); b (F,); conv_param {'stride', 'pad'};
    pool_param {'pool_height', 'pool_width', 'stride'}. Returns (out (N, F, H'', W''), cache).
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(
    dout: np.ndarray, cache: tuple, *, need_dx: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Backward pass of ``conv_relu_pool_forward``: returns (dx, dw, db); dx is None if not need_dx."""
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    return conv_backward_fast(relu_backward(ds, relu_cache), conv_cache, need_dx=need_dx)
