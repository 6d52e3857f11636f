"""The assignment's own checks on the naive layers, in float64 and float32."""

import random

import numpy as np
import pytest

from reference import layers
from reference.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)
from reference.notebook_cases import (
    CONV_FORWARD_OUT,
    MAX_POOL_FORWARD_OUT,
    conv_forward_inputs,
    max_pool_forward_inputs,
)


def test_conv_forward_naive_matches_the_published_output():
    out, _ = layers.conv_forward_naive(*conv_forward_inputs())
    assert out.shape == (2, 3, 2, 2)
    assert rel_error(out, CONV_FORWARD_OUT) < 5e-8  # the notebook reports ~2e-8


def test_max_pool_forward_naive_matches_the_published_output():
    out, _ = layers.max_pool_forward_naive(*max_pool_forward_inputs())
    assert rel_error(out, MAX_POOL_FORWARD_OUT) < 1e-7  # the notebook reports ~4e-8


def test_conv_is_cross_correlation_not_convolution():
    # A kernel with one non-zero tap at its top-left picks the top-left input pixel: no flip.
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 0] = 1.0
    out, _ = layers.conv_forward_naive(x, w, np.zeros(1), {"stride": 1, "pad": 0})
    np.testing.assert_array_equal(out[0, 0], [[0, 1], [3, 4]])


def test_conv_backward_naive_matches_numeric_gradients():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5, 5))
    w = rng.standard_normal((2, 3, 3, 3))
    b = rng.standard_normal(2)
    conv_param = {"stride": 1, "pad": 1}
    dout = rng.standard_normal((4, 2, 5, 5))

    dx_num = eval_numerical_gradient_array(
        lambda x: layers.conv_forward_naive(x, w, b, conv_param)[0], x, dout
    )
    dw_num = eval_numerical_gradient_array(
        lambda w: layers.conv_forward_naive(x, w, b, conv_param)[0], w, dout
    )
    db_num = eval_numerical_gradient_array(
        lambda b: layers.conv_forward_naive(x, w, b, conv_param)[0], b, dout
    )
    _, cache = layers.conv_forward_naive(x, w, b, conv_param)
    dx, dw, db = layers.conv_backward_naive(dout, cache)
    assert rel_error(dx, dx_num) < 1e-7
    assert rel_error(dw, dw_num) < 1e-7
    assert rel_error(db, db_num) < 1e-7


def test_conv_backward_naive_with_stride_and_pad_matches_numeric_gradients():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 7, 6))
    w = rng.standard_normal((3, 2, 3, 2))
    b = rng.standard_normal(3)
    conv_param = {"stride": 2, "pad": 2}
    out, cache = layers.conv_forward_naive(x, w, b, conv_param)
    assert out.shape == (2, 3, 1 + (7 + 4 - 3) // 2, 1 + (6 + 4 - 2) // 2)
    dout = rng.standard_normal(out.shape)
    dx, dw, _ = layers.conv_backward_naive(dout, cache)
    dx_num = eval_numerical_gradient_array(
        lambda x: layers.conv_forward_naive(x, w, b, conv_param)[0], x, dout
    )
    dw_num = eval_numerical_gradient_array(
        lambda w: layers.conv_forward_naive(x, w, b, conv_param)[0], w, dout
    )
    assert rel_error(dx, dx_num) < 1e-7
    assert rel_error(dw, dw_num) < 1e-7


def test_max_pool_backward_naive_matches_numeric_gradients():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 8, 8))
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    dout = rng.standard_normal((3, 2, 4, 4))
    dx_num = eval_numerical_gradient_array(lambda x: layers.max_pool_forward_naive(x, pool_param)[0], x, dout)
    _, cache = layers.max_pool_forward_naive(x, pool_param)
    assert rel_error(layers.max_pool_backward_naive(dout, cache), dx_num) < 1e-7


def test_max_pool_backward_sends_a_tie_to_the_first_maximum_only():
    x = np.zeros((1, 1, 2, 2))
    _, cache = layers.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = layers.max_pool_backward_naive(np.ones((1, 1, 1, 1)), cache)
    np.testing.assert_array_equal(dx[0, 0], [[1, 0], [0, 0]])


def test_affine_forward_matches_the_published_output():
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = layers.affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, correct_out) < 1e-7


def test_affine_and_relu_backward_match_numeric_gradients():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((10, 2, 3))
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((10, 5))
    dx, dw, db = layers.affine_backward(dout, layers.affine_forward(x, w, b)[1])
    assert (
        rel_error(dx, eval_numerical_gradient_array(lambda x: layers.affine_forward(x, w, b)[0], x, dout))
        < 1e-7
    )
    assert (
        rel_error(dw, eval_numerical_gradient_array(lambda w: layers.affine_forward(x, w, b)[0], w, dout))
        < 1e-7
    )
    assert (
        rel_error(db, eval_numerical_gradient_array(lambda b: layers.affine_forward(x, w, b)[0], b, dout))
        < 1e-7
    )

    x = rng.standard_normal((10, 10))
    dout = rng.standard_normal((10, 10))
    dx = layers.relu_backward(dout, layers.relu_forward(x)[1])
    assert rel_error(dx, eval_numerical_gradient_array(lambda x: layers.relu_forward(x)[0], x, dout)) < 1e-7


def test_softmax_loss_is_ln_c_at_zero_scores_and_matches_numeric_gradient():
    rng = np.random.default_rng(4)
    num_classes, num_inputs = 10, 50
    x = 0.001 * rng.standard_normal((num_inputs, num_classes))
    y = rng.integers(num_classes, size=num_inputs)
    loss, dx = layers.softmax_loss(x, y)
    assert loss == pytest.approx(np.log(num_classes), rel=1e-2)
    dx_num = eval_numerical_gradient(lambda x: layers.softmax_loss(x, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < 1e-7


def test_softmax_loss_is_stable_for_huge_scores():
    x = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]])
    loss, dx = layers.softmax_loss(x, np.array([0, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    assert loss == pytest.approx(0.5 * 1e4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layers_keep_the_input_dtype(dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 6, 6)).astype(dtype)
    w = rng.standard_normal((4, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    out, cache = layers.conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in layers.conv_backward_naive(out, cache))
    pooled, cache = layers.max_pool_forward_naive(out, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert pooled.dtype == dtype and layers.max_pool_backward_naive(pooled, cache).dtype == dtype
    relu, cache = layers.relu_forward(pooled)
    assert relu.dtype == dtype and layers.relu_backward(relu, cache).dtype == dtype
    w2 = rng.standard_normal((4 * 3 * 3, 5)).astype(dtype)
    scores, cache = layers.affine_forward(relu, w2, np.zeros(5, dtype))
    assert scores.dtype == dtype
    assert all(g.dtype == dtype for g in layers.affine_backward(scores, cache))
    _, dscores = layers.softmax_loss(scores, np.arange(2))
    assert dscores.dtype == dtype


def test_rel_error_is_the_largest_elementwise_relative_error():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(0.5)
    assert rel_error(np.zeros(3), np.full(3, 1e-9)) == pytest.approx(0.1)


def test_eval_numerical_gradient_restores_x_and_is_exact_for_quadratics():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: float(np.sum(v**2)), x, verbose=False)
    np.testing.assert_allclose(grad, 2 * before, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_grad_check_sparse_prints_small_errors_for_a_right_gradient_and_large_for_a_wrong_one(capsys):
    random.seed(6)  # grad_check_sparse picks its indices with the random module, as in the course
    x = np.random.default_rng(6).standard_normal((4, 5))
    before = x.copy()
    grad_check_sparse(lambda v: float(np.sum(v**3)), x, 3 * x**2, num_checks=5)
    grad_check_sparse(lambda v: float(np.sum(v**3)), x, 2 * x**2, num_checks=5)
    np.testing.assert_array_equal(x, before)
    errors = [float(line.rsplit(" ", 1)[1]) for line in capsys.readouterr().out.splitlines()]
    assert len(errors) == 10
    assert max(errors[:5]) < 1e-6 and min(errors[5:]) > 0.1
