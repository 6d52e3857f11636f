"""Batch, spatial batch and spatial group normalization: the notebook's cases and numeric gradients."""

import numpy as np
import pytest

from reference import layers
from reference import notebook_cases as nc
from reference.gradient_check import eval_numerical_gradient_array, rel_error


def numeric_grads(forward, arrays, dout):
    """Numeric gradients of sum(forward(*arrays) * dout) with respect to each array."""
    grads = []
    for i, a in enumerate(arrays):

        def f(v, i=i):
            args = list(arrays)
            args[i] = v
            return forward(*args)

        grads.append(eval_numerical_gradient_array(f, a, dout))
    return grads


@pytest.mark.parametrize("gamma, beta", nc.SPATIAL_BN_GAMMA_BETA)
def test_spatial_batchnorm_train_means_and_stds_follow_beta_and_gamma(gamma, beta):
    x = nc.spatial_batchnorm_train_inputs()
    assert not np.allclose(x.mean(axis=(0, 2, 3)), beta, atol=1)
    out, _ = layers.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert out.shape == x.shape
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-5)


def test_spatial_batchnorm_test_mode_uses_the_warmed_up_running_averages():
    train, test = nc.spatial_batchnorm_test_mode_inputs()
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(4), np.zeros(4)
    for x in train:
        layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    assert bn_param["running_mean"].shape == (4,)
    np.testing.assert_allclose(bn_param["running_mean"], 13, rtol=0.01)
    bn_param["mode"] = "test"
    out, _ = layers.spatial_batchnorm_forward(test, gamma, beta, bn_param)
    # the notebook prints means within ~0.1 of 0 and stds within ~0.05 of 1
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=0.15)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=0.1)


def test_batchnorm_running_averages_follow_the_momentum_formula():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, 3))
    bn_param = {"mode": "train", "momentum": 0.8, "running_mean": np.ones(3), "running_var": np.ones(3)}
    layers.batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.8 + 0.2 * x.mean(axis=0))
    np.testing.assert_allclose(bn_param["running_var"], 0.8 + 0.2 * x.var(axis=0))


def test_batchnorm_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="invalid batchnorm mode"):
        layers.batchnorm_forward(np.ones((2, 2)), np.ones(2), np.zeros(2), {"mode": "eval"})


@pytest.mark.parametrize("backward", [layers.batchnorm_backward, layers.batchnorm_backward_alt])
def test_batchnorm_backward_matches_numeric_gradients(backward):
    rng = np.random.default_rng(231)
    x = 5 * rng.normal(size=(4, 5)) + 12
    gamma, beta, dout = rng.normal(size=5), rng.normal(size=5), rng.normal(size=(4, 5))

    def forward(x, gamma, beta):
        return layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]

    _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    grads = backward(dout, cache)
    for got, want in zip(grads, numeric_grads(forward, [x, gamma, beta], dout), strict=True):
        assert rel_error(got, want) < 1e-6


def test_spatial_batchnorm_backward_matches_numeric_gradients():
    x, gamma, beta, dout = nc.spatial_batchnorm_backward_inputs()

    def forward(x, gamma, beta):
        return layers.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]

    _, cache = layers.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert isinstance(cache, tuple)
    grads = layers.spatial_batchnorm_backward(dout, cache)
    for got, want in zip(grads, numeric_grads(forward, [x, gamma, beta], dout), strict=True):
        assert got.shape == want.shape
        assert rel_error(got, want) < 1e-6


def test_spatial_groupnorm_normalizes_each_sample_group():
    x = nc.spatial_groupnorm_train_inputs()
    gamma, beta = nc.SPATIAL_GN_GAMMA_BETA
    out, _ = layers.spatial_groupnorm_forward(x, gamma, beta, nc.GROUPNORM_G, {})
    grouped = out.reshape(2 * nc.GROUPNORM_G, -1)
    np.testing.assert_allclose(grouped.mean(axis=1), 0, atol=1e-10)
    np.testing.assert_allclose(grouped.std(axis=1), 1, rtol=1e-5)
    # a group's channels are normalized together, not one by one
    assert np.abs(out.reshape(2, 6, -1).mean(axis=2)).max() > 1e-3


def test_spatial_groupnorm_backward_matches_numeric_gradients():
    x, gamma, beta, dout = nc.spatial_groupnorm_backward_inputs()

    def forward(x, gamma, beta):
        return layers.spatial_groupnorm_forward(x, gamma, beta, nc.GROUPNORM_G, {})[0]

    _, cache = layers.spatial_groupnorm_forward(x, gamma, beta, nc.GROUPNORM_G, {})
    grads = layers.spatial_groupnorm_backward(dout, cache)
    for got, want in zip(grads, numeric_grads(forward, [x, gamma, beta], dout), strict=True):
        assert got.shape == want.shape
        assert rel_error(got, want) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spatial_norms_keep_the_input_dtype(dtype):
    x = nc.spatial_groupnorm_train_inputs().astype(dtype)
    gamma, beta = np.ones((1, 6, 1, 1), dtype), np.zeros((1, 6, 1, 1), dtype)
    out, _ = layers.spatial_groupnorm_forward(x, gamma, beta, 3, {})
    assert out.dtype == dtype
    out, _ = layers.spatial_batchnorm_forward(x, np.ones(6, dtype), np.zeros(6, dtype), {"mode": "train"})
    assert out.dtype == dtype
