"""The assignment's checks, run on the reference and printed the way the notebook prints them.

    python -m reference.demo

Naive conv / pool against the published outputs and numeric gradients, fast layers against naive
(with speedups), sandwich layers, ThreeLayerConvNet's initial loss and gradients, and overfitting
100 training examples (CIFAR-10 if $CNNGRADE_CIFAR10_DIR is set, else the built-in dataset).
"""

import time
from collections.abc import Callable

import numpy as np

from . import fast_layers, layer_utils, layers
from .cnn import ThreeLayerConvNet
from .data import data_source, get_data
from .gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from .notebook_cases import (
    CONV_FORWARD_OUT,
    MAX_POOL_FORWARD_OUT,
    conv_forward_inputs,
    max_pool_forward_inputs,
)
from .solver import Solver


def heading(title: str) -> None:
    print(f"\n# {title}")


def timed(f: Callable, *args):
    start = time.perf_counter()
    result = f(*args)
    return result, time.perf_counter() - start


def naive_layers() -> None:
    heading("Convolution: naive forward")
    out, _ = layers.conv_forward_naive(*conv_forward_inputs())
    print("Testing conv_forward_naive")
    print("difference: ", rel_error(out, CONV_FORWARD_OUT))

    heading("Convolution: naive backward")
    x, w, b = np.random.randn(4, 3, 5, 5), np.random.randn(2, 3, 3, 3), np.random.randn(2)
    dout = np.random.randn(4, 2, 5, 5)
    conv_param = {"stride": 1, "pad": 1}
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
    print("Testing conv_backward_naive function")
    print("dx error: ", rel_error(dx, dx_num))
    print("dw error: ", rel_error(dw, dw_num))
    print("db error: ", rel_error(db, db_num))

    heading("Max-Pooling: naive forward")
    out, _ = layers.max_pool_forward_naive(*max_pool_forward_inputs())
    print("Testing max_pool_forward_naive function:")
    print("difference: ", rel_error(out, MAX_POOL_FORWARD_OUT))

    heading("Max-Pooling: naive backward")
    x, dout = np.random.randn(3, 2, 8, 8), np.random.randn(3, 2, 4, 4)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    dx_num = eval_numerical_gradient_array(lambda x: layers.max_pool_forward_naive(x, pool_param)[0], x, dout)
    _, cache = layers.max_pool_forward_naive(x, pool_param)
    print("Testing max_pool_backward_naive function:")
    print("dx error: ", rel_error(layers.max_pool_backward_naive(dout, cache), dx_num))


def fast_layer_speedups() -> None:
    heading("Fast layers")
    x, w, b = np.random.randn(100, 3, 31, 31), np.random.randn(25, 3, 3, 3), np.random.randn(25)
    conv_param = {"stride": 2, "pad": 1}
    (out_naive, cache_naive), t_naive = timed(layers.conv_forward_naive, x, w, b, conv_param)
    (out_fast, cache_fast), t_fast = timed(fast_layers.conv_forward_fast, x, w, b, conv_param)
    print("Testing conv_forward_fast:")
    print(f"Naive: {t_naive:f}s\nFast: {t_fast:f}s\nSpeedup: {t_naive / t_fast:f}x")
    print("Difference: ", rel_error(out_naive, out_fast))
    dout = np.random.randn(*out_naive.shape)
    grads_naive, t_naive = timed(layers.conv_backward_naive, dout, cache_naive)
    grads_fast, t_fast = timed(fast_layers.conv_backward_fast, dout, cache_fast)
    print("\nTesting conv_backward_fast:")
    print(f"Naive: {t_naive:f}s\nFast: {t_fast:f}s\nSpeedup: {t_naive / t_fast:f}x")
    for name, g_naive, g_fast in zip(("dx", "dw", "db"), grads_naive, grads_fast, strict=True):
        print(f"{name} difference: ", rel_error(g_naive, g_fast))

    x = np.random.randn(100, 3, 32, 32)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    (out_naive, cache_naive), t_naive = timed(layers.max_pool_forward_naive, x, pool_param)
    (out_fast, cache_fast), t_fast = timed(fast_layers.max_pool_forward_fast, x, pool_param)
    print("\nTesting pool_forward_fast:")
    print(f"Naive: {t_naive:f}s\nfast: {t_fast:f}s\nspeedup: {t_naive / t_fast:f}x")
    print("difference: ", rel_error(out_naive, out_fast))
    dout = np.random.randn(*out_naive.shape)
    dx_naive, t_naive = timed(layers.max_pool_backward_naive, dout, cache_naive)
    dx_fast, t_fast = timed(fast_layers.max_pool_backward_fast, dout, cache_fast)
    print("\nTesting pool_backward_fast:")
    print(f"Naive: {t_naive:f}s\nfast: {t_fast:f}s\nspeedup: {t_naive / t_fast:f}x")
    print("dx difference: ", rel_error(dx_naive, dx_fast))
    print("(single runs; benchmarks/reference_speed.py measures medians)")


def sandwich_layers() -> None:
    heading('Convolutional "sandwich" layers')
    for name, extra in (
        ("conv_relu_pool", ({"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2})),
        ("conv_relu", ({"stride": 1, "pad": 1},)),
    ):
        forward = getattr(layer_utils, f"{name}_forward")
        backward = getattr(layer_utils, f"{name}_backward")
        x, w, b = np.random.randn(2, 3, 16, 16), np.random.randn(3, 3, 3, 3), np.random.randn(3)
        out, cache = forward(x, w, b, *extra)
        dout = np.random.randn(*out.shape)
        dx, dw, db = backward(dout, cache)
        dx_num = eval_numerical_gradient_array(lambda x: forward(x, w, b, *extra)[0], x, dout)  # noqa: B023
        dw_num = eval_numerical_gradient_array(lambda w: forward(x, w, b, *extra)[0], w, dout)  # noqa: B023
        db_num = eval_numerical_gradient_array(lambda b: forward(x, w, b, *extra)[0], b, dout)  # noqa: B023
        print(f"Testing {name}:")
        print("dx error: ", rel_error(dx_num, dx))
        print("dw error: ", rel_error(dw_num, dw))
        print("db error: ", rel_error(db_num, db))


def three_layer_convnet() -> None:
    heading("Three-layer ConvNet: sanity check loss")
    model = ThreeLayerConvNet()
    X, y = np.random.randn(50, 3, 32, 32), np.random.randint(10, size=50)
    loss, _ = model.loss(X, y)
    print("Initial loss (no regularization): ", loss)
    model.reg = 0.5
    loss, _ = model.loss(X, y)
    print("Initial loss (with regularization): ", loss)

    heading("Gradient check")
    num_inputs, input_dim, num_classes = 2, (3, 16, 16), 10
    X, y = np.random.randn(num_inputs, *input_dim), np.random.randint(num_classes, size=num_inputs)
    model = ThreeLayerConvNet(
        num_filters=3, filter_size=3, input_dim=input_dim, hidden_dim=7, dtype=np.float64
    )
    loss, grads = model.loss(X, y)
    for name in sorted(model.params):
        grad_num = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False, h=1e-6
        )
        print(f"{name} max relative error: {rel_error(grad_num, grads[name]):e}")

    heading(f"Overfit small data ({data_source()})")
    data = get_data(num_training=100, num_validation=100, num_test=0)
    model = ThreeLayerConvNet(weight_scale=1e-2)
    solver = Solver(
        model,
        data,
        num_epochs=25,
        batch_size=50,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        verbose=True,
        print_every=10,
    )
    solver.train()
    print("Final training accuracy: ", solver.train_acc_history[-1])


def main() -> None:
    np.random.seed(231)
    start = time.perf_counter()
    naive_layers()
    fast_layer_speedups()
    sandwich_layers()
    three_layer_convnet()
    print(f"\nAll checks ran in {time.perf_counter() - start:.1f} s.")


if __name__ == "__main__":
    main()
