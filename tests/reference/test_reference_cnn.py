"""Sandwich layers by numeric gradients, and the assignment's checks on ThreeLayerConvNet."""

import numpy as np
import pytest

from reference import layer_utils
from reference.cnn import ThreeLayerConvNet
from reference.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

CONV_PARAM = {"stride": 1, "pad": 1}
POOL_PARAM = {"pool_height": 2, "pool_width": 2, "stride": 2}


def numeric_grads(forward, args, dout):
    """Numeric gradient of sum(forward(*args) * dout) with respect to each array in args."""
    grads = []
    for i in range(len(args)):

        def f(v, i=i):
            return forward(*args[:i], v, *args[i + 1 :])

        grads.append(eval_numerical_gradient_array(f, args[i], dout))
    return grads


@pytest.mark.parametrize(
    ("name", "x_shape", "w_shape", "extra"),
    [
        ("affine_relu", (2, 3, 4), (12, 10), ()),
        ("conv_relu", (2, 3, 8, 8), (3, 3, 3, 3), (CONV_PARAM,)),
        ("conv_relu_pool", (2, 3, 8, 8), (3, 3, 3, 3), (CONV_PARAM, POOL_PARAM)),
    ],
)
def test_sandwich_layers_match_numeric_gradients(name, x_shape, w_shape, extra):
    rng = np.random.default_rng(11)
    forward = getattr(layer_utils, f"{name}_forward")
    backward = getattr(layer_utils, f"{name}_backward")
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[-1] if name == "affine_relu" else w_shape[0])
    out, cache = forward(x, w, b, *extra)
    dout = rng.standard_normal(out.shape)
    grads = backward(dout, cache)
    numeric = numeric_grads(lambda x, w, b: forward(x, w, b, *extra)[0], [x, w, b], dout)
    for grad, grad_num in zip(grads, numeric, strict=True):
        assert rel_error(grad, grad_num) < 1e-7


def small_model(reg=0.0, seed=0):
    np.random.seed(seed)
    return ThreeLayerConvNet(
        input_dim=(3, 16, 16), num_filters=3, filter_size=3, hidden_dim=7, reg=reg, dtype=np.float64
    )


def test_default_model_has_the_assignment_shapes():
    model = ThreeLayerConvNet()
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {
        "W1": (32, 3, 7, 7),
        "b1": (32,),
        "W2": (32 * 16 * 16, 100),
        "b2": (100,),
        "W3": (100, 10),
        "b3": (10,),
    }
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert np.all(model.params["b1"] == 0) and 5e-4 < model.params["W1"].std() < 2e-3


def test_initial_loss_is_ln10_and_reg_adds_exactly_half_reg_sum_w2():
    np.random.seed(231)
    X = np.random.randn(50, 3, 32, 32)
    y = np.random.randint(10, size=50)
    model = ThreeLayerConvNet(dtype=np.float64)
    loss0, _ = model.loss(X, y)
    assert loss0 == pytest.approx(np.log(10), abs=1e-3)
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    expected = loss0 + 0.5 * 0.5 * sum(np.sum(model.params[k] ** 2) for k in ("W1", "W2", "W3"))
    assert loss_reg == pytest.approx(expected, rel=1e-12)


def test_model_scores_have_one_row_per_input():
    model = small_model()
    X = np.random.randn(4, 3, 16, 16)
    assert model.loss(X).shape == (4, 10)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_model_gradients_match_numeric_gradients(reg):
    model = small_model(reg=reg, seed=231)
    rng = np.random.default_rng(12)
    # Larger weights than the default scale, so the gradients are not all tiny.
    for name in ("W1", "W2", "W3"):
        model.params[name] = 0.1 * rng.standard_normal(model.params[name].shape)
    X = rng.standard_normal((2, 3, 16, 16))
    y = rng.integers(10, size=2)
    _, grads = model.loss(X, y)
    for name, param in model.params.items():
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], param, verbose=False)
        assert rel_error(grads[name], numeric) < 1e-6, name
