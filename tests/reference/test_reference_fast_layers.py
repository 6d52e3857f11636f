"""Fast layers against the naive ones, over the notebook's shapes and random geometries."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference import fast_layers, layers
from reference.gradient_check import eval_numerical_gradient_array, rel_error


def conv_both(x, w, b, conv_param, dout_seed=0):
    """Forward and backward of the naive and the fast convolution on the same inputs."""
    out_naive, cache_naive = layers.conv_forward_naive(x, w, b, conv_param)
    out_fast, cache_fast = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = np.random.default_rng(dout_seed).standard_normal(out_naive.shape).astype(x.dtype)
    return (out_naive, out_fast), (
        layers.conv_backward_naive(dout, cache_naive),
        fast_layers.conv_backward_fast(dout, cache_fast),
    )


def pool_both(x, pool_param, dout_seed=0):
    out_naive, cache_naive = layers.max_pool_forward_naive(x, pool_param)
    out_fast, cache_fast = fast_layers.max_pool_forward_fast(x, pool_param)
    dout = np.random.default_rng(dout_seed).standard_normal(out_naive.shape).astype(x.dtype)
    return (out_naive, out_fast), (
        layers.max_pool_backward_naive(dout, cache_naive),
        fast_layers.max_pool_backward_fast(dout, cache_fast),
    )


def test_fast_conv_matches_naive_on_the_notebook_case():
    rng = np.random.default_rng(231)
    x = rng.standard_normal((10, 3, 31, 31))
    w = rng.standard_normal((25, 3, 3, 3))
    b = rng.standard_normal(25)
    (out_naive, out_fast), (grads_naive, grads_fast) = conv_both(x, w, b, {"stride": 2, "pad": 1})
    assert out_fast.shape == (10, 25, 16, 16)
    assert rel_error(out_naive, out_fast) <= 1e-9
    for g_naive, g_fast in zip(grads_naive, grads_fast, strict=True):
        assert g_fast.shape == g_naive.shape
        assert rel_error(g_naive, g_fast) <= 1e-9


def test_fast_pool_matches_naive_on_the_notebook_case():
    x = np.random.default_rng(231).standard_normal((10, 3, 32, 32))
    (out_naive, out_fast), (dx_naive, dx_fast) = pool_both(
        x, {"pool_height": 2, "pool_width": 2, "stride": 2}
    )
    assert rel_error(out_naive, out_fast) == 0.0
    assert rel_error(dx_naive, dx_fast) == 0.0


def test_fast_conv_backward_matches_numeric_gradients():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 2, 6, 5))
    w = rng.standard_normal((4, 2, 3, 3))
    b = rng.standard_normal(4)
    conv_param = {"stride": 2, "pad": 1}
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = fast_layers.conv_backward_fast(dout, cache)
    for grad, arg in ((dx, 0), (dw, 1), (db, 2)):
        args = [x, w, b]

        def f(v, arg=arg, args=args):
            args[arg] = v
            return fast_layers.conv_forward_fast(*args, conv_param)[0]

        assert rel_error(grad, eval_numerical_gradient_array(f, args[arg], dout)) < 1e-7


def test_fast_pool_routes_ties_to_the_first_maximum_like_naive():
    # After a ReLU, whole windows are zero: ties everywhere, in overlapping windows too.
    x = np.maximum(np.random.default_rng(8).standard_normal((2, 3, 9, 9)), 0)
    x[:, :, :4, :4] = 0.0
    for pool_param in (
        {"pool_height": 2, "pool_width": 2, "stride": 2},
        {"pool_height": 3, "pool_width": 3, "stride": 1},
    ):
        (out_naive, out_fast), (dx_naive, dx_fast) = pool_both(x, pool_param)
        np.testing.assert_array_equal(out_fast, out_naive)
        np.testing.assert_allclose(dx_fast, dx_naive, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("tie", [False, True])
def test_fast_pool_with_tiling_windows_matches_naive(size, tie):
    # Windows that tile x (stride == pool size) take a whole-array path; rows and columns past the
    # last window get no gradient, and one tie anywhere sends the whole batch to the per-offset path.
    x = np.random.default_rng(11).standard_normal((2, 3, 3 * size + 1, 4 * size + 2)).astype(np.float32)
    if tie:
        x[1, 2, :size, :size] = x[1, 2, :size, :size].max()
    (out_naive, out_fast), (dx_naive, dx_fast) = pool_both(
        x, {"pool_height": size, "pool_width": size, "stride": size}
    )
    np.testing.assert_array_equal(out_fast, out_naive)
    np.testing.assert_array_equal(dx_fast, dx_naive)
    assert dx_fast.dtype == np.float32 and np.count_nonzero(dx_fast) == out_fast.size


@pytest.mark.parametrize("pool_param", [(2, 2, 2), (3, 3, 3), (2, 3, 2), (3, 2, 3)])
def test_fast_pool_breaks_ties_like_naive_in_every_window_shape(pool_param):
    # Three values only: most windows hold ties, between any of their rows and columns.
    ph, pw, stride = pool_param
    x = np.random.default_rng(12).integers(0, 3, size=(3, 2, 13, 14)).astype(np.float64)
    (out_naive, out_fast), (dx_naive, dx_fast) = pool_both(
        x, {"pool_height": ph, "pool_width": pw, "stride": stride}
    )
    np.testing.assert_array_equal(out_fast, out_naive)
    np.testing.assert_array_equal(dx_fast, dx_naive)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_layers_keep_the_input_dtype(dtype):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 3, 8, 8)).astype(dtype)
    w = rng.standard_normal((5, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype)
    (out_naive, out_fast), (grads_naive, grads_fast) = conv_both(x, w, b, {"stride": 1, "pad": 1})
    assert out_fast.dtype == dtype and all(g.dtype == dtype for g in grads_fast)
    tolerance = 1e-4 if dtype == np.float32 else 1e-9
    assert rel_error(out_naive, out_fast) < tolerance
    (_, pooled), (_, dx) = pool_both(out_fast, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert pooled.dtype == dtype and dx.dtype == dtype


@st.composite
def conv_cases(draw):
    N, C, F = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    HH, WW = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 3))
    # The input must be at least one kernel tall and wide once padded.
    H = draw(st.integers(max(1, HH - 2 * pad), 11))
    W = draw(st.integers(max(1, WW - 2 * pad), 11))
    seed = draw(st.integers(0, 2**31))
    return (N, C, H, W), (F, C, HH, WW), {"stride": stride, "pad": pad}, seed


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_fast_conv_matches_naive_for_any_geometry(case):
    x_shape, w_shape, conv_param, seed = case
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    (out_naive, out_fast), (grads_naive, grads_fast) = conv_both(x, w, b, conv_param, seed)
    H_out = 1 + (x_shape[2] + 2 * conv_param["pad"] - w_shape[2]) // conv_param["stride"]
    W_out = 1 + (x_shape[3] + 2 * conv_param["pad"] - w_shape[3]) // conv_param["stride"]
    assert out_fast.shape == (x_shape[0], w_shape[0], H_out, W_out)
    assert rel_error(out_naive, out_fast) <= 1e-9
    for g_naive, g_fast in zip(grads_naive, grads_fast, strict=True):
        assert rel_error(g_naive, g_fast) <= 1e-9


@st.composite
def pool_cases(draw):
    ph, pw, stride = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    shape = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(st.integers(ph, 12)),
        draw(st.integers(pw, 12)),
    )
    return shape, {"pool_height": ph, "pool_width": pw, "stride": stride}, draw(st.integers(0, 2**31))


@settings(max_examples=60, deadline=None)
@given(pool_cases())
def test_fast_pool_matches_naive_for_any_geometry(case):
    x_shape, pool_param, seed = case
    x = np.random.default_rng(seed).standard_normal(x_shape)
    (out_naive, out_fast), (dx_naive, dx_fast) = pool_both(x, pool_param, seed)
    np.testing.assert_array_equal(out_fast, out_naive)
    assert rel_error(dx_naive, dx_fast) <= 1e-9


def test_fast_conv_backward_can_skip_dx():
    rng = np.random.default_rng(10)
    x, w, b = rng.standard_normal((3, 2, 7, 7)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": 2, "pad": 1})
    dout = rng.standard_normal(out.shape)
    _, dw, db = fast_layers.conv_backward_fast(dout, cache)
    dx, dw_only, db_only = fast_layers.conv_backward_fast(dout, cache, need_dx=False)
    assert dx is None
    np.testing.assert_array_equal(dw_only, dw)
    np.testing.assert_array_equal(db_only, db)


def test_fast_layers_accept_an_empty_batch():
    x, w, b = np.zeros((0, 3, 8, 8)), np.ones((4, 3, 3, 3)), np.ones(4)
    out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    assert out.shape == (0, 4, 8, 8)
    dx, dw, db = fast_layers.conv_backward_fast(out, cache)
    assert dx.shape == x.shape and np.all(dw == 0) and np.all(db == 0)
    pooled, cache = fast_layers.max_pool_forward_fast(out, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert (
        pooled.shape == (0, 4, 4, 4) and fast_layers.max_pool_backward_fast(pooled, cache).shape == out.shape
    )


def test_star_import_gives_the_layers_and_np_but_not_the_helpers():
    """Student modules star-import fast_layers; its thread helpers must not shadow their names."""
    namespace: dict = {}
    exec("from reference.fast_layers import *", namespace)
    for name in ("conv_forward_fast", "conv_backward_strides", "max_pool_forward_reshape", "np"):
        assert name in namespace
    for name in ("cache", "T", "B", "os", "SimpleQueue", "ThreadPoolExecutor"):
        assert name not in namespace
