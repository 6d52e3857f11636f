"""Known bugs of the spatial normalization layers, written as variants of the reference.

Each variant has the signature of the reference layer it breaks, so the diagnosis can run it in
the parent on a failing case: a variant whose output matches the student's while differing from
the reference names the bug. Pure numpy; no student code runs here.
"""

from collections.abc import Callable

import numpy as np

from reference import layers


def spatial_bn_forward_no_transpose(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Flattens x straight to (N*H*W, C) without moving channels last: statistics mix channels."""
    N, C, H, W = x.shape
    out, cache = layers.batchnorm_forward(x.reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, C, H, W), cache


def spatial_bn_backward_no_transpose(dout: np.ndarray, cache: tuple):
    """Backward of ``spatial_bn_forward_no_transpose``: dout flattened to (N*H*W, C) the same wrong way."""
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = layers.batchnorm_backward_alt(dout.reshape(-1, C), cache)
    return dx.reshape(N, C, H, W), dgamma, dbeta


def spatial_bn_forward_running_not_stored(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Updates the running averages on a copy of bn_param: test mode keeps using zeros."""
    return layers.spatial_batchnorm_forward(x, gamma, beta, dict(bn_param))


def spatial_bn_forward_unbiased_var(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Uses the unbiased variance (ddof=1) in the output and the running average (train mode)."""
    N, C, H, W = x.shape
    flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    mu, var = flat.mean(axis=0), flat.var(axis=0, ddof=1)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (flat - mu) * inv_std
    for key, batch_value in (("running_mean", mu), ("running_var", var)):
        bn_param[key] = momentum * bn_param.get(key, np.zeros(C)) + (1 - momentum) * batch_value
    out = gamma * x_hat + beta
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), (x_hat, gamma, inv_std)


def spatial_gn_forward_wrong_axis(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int, gn_param: dict):
    """Splits channels as (C // G, G) instead of (G, C // G): each group takes every G-th channel."""
    N, C, H, W = x.shape
    interleaved = x.reshape(N, C // G, G, H, W).transpose(0, 2, 1, 3, 4).reshape(N, C, H, W)
    out, cache = layers.spatial_groupnorm_forward(
        interleaved, np.ones_like(gamma), np.zeros_like(beta), G, gn_param
    )
    restored = out.reshape(N, G, C // G, H, W).transpose(0, 2, 1, 3, 4).reshape(N, C, H, W)
    return gamma * restored + beta, cache


def spatial_gn_backward_params_not_summed_over_batch(dout: np.ndarray, cache: tuple):
    """dgamma and dbeta summed over H and W only: one per sample, shape (N, C, 1, 1)."""
    x_hat = cache[0]
    dx, _, _ = layers.spatial_groupnorm_backward(dout, cache)
    return dx, (dout * x_hat).sum(axis=(2, 3), keepdims=True), dout.sum(axis=(2, 3), keepdims=True)


def spatial_gn_backward_params_summed_over_n_only(dout: np.ndarray, cache: tuple):
    """dgamma and dbeta summed over N only: shape (1, C, H, W)."""
    x_hat = cache[0]
    dx, _, _ = layers.spatial_groupnorm_backward(dout, cache)
    return dx, (dout * x_hat).sum(axis=0, keepdims=True), dout.sum(axis=0, keepdims=True)


def spatial_bn_backward_constant_stats(dout: np.ndarray, cache: tuple):
    """Treats the batch mean and variance as constants: dx = dout * gamma / sqrt(var + eps)."""
    _, gamma, inv_std = cache
    N, C, H, W = dout.shape
    _, dgamma, dbeta = layers.spatial_batchnorm_backward(dout, cache)
    dx = dout * (gamma * inv_std).reshape(1, C, 1, 1)
    return dx, dgamma, dbeta


def spatial_gn_backward_constant_stats(dout: np.ndarray, cache: tuple):
    """Treats each group's mean and variance as constants: dx = dout * gamma / sqrt(var + eps)."""
    _, gamma, inv_std, G = cache
    N, C, H, W = dout.shape
    _, dgamma, dbeta = layers.spatial_groupnorm_backward(dout, cache)
    dx = (dout * gamma).reshape(N, G, -1) * inv_std
    return dx.reshape(N, C, H, W), dgamma, dbeta


# bug name -> (the reference layer it replaces, the variant)
VARIANTS: dict[str, tuple[str, Callable]] = {
    "spatial_bn_no_transpose": ("spatial_batchnorm_forward", spatial_bn_forward_no_transpose),
    "spatial_bn_no_transpose_backward": ("spatial_batchnorm_backward", spatial_bn_backward_no_transpose),
    "spatial_bn_running_not_stored": ("spatial_batchnorm_forward", spatial_bn_forward_running_not_stored),
    "spatial_bn_unbiased_var": ("spatial_batchnorm_forward", spatial_bn_forward_unbiased_var),
    "spatial_gn_wrong_axis": ("spatial_groupnorm_forward", spatial_gn_forward_wrong_axis),
    "spatial_gn_params_not_summed_over_batch": (
        "spatial_groupnorm_backward",
        spatial_gn_backward_params_not_summed_over_batch,
    ),
    "spatial_gn_params_summed_over_n_only": (
        "spatial_groupnorm_backward",
        spatial_gn_backward_params_summed_over_n_only,
    ),
    "spatial_bn_constant_stats": ("spatial_batchnorm_backward", spatial_bn_backward_constant_stats),
    "spatial_gn_constant_stats": ("spatial_groupnorm_backward", spatial_gn_backward_constant_stats),
}
