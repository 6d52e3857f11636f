"""Speed of the reference layers and of one training step, with pytest-benchmark.

    .venv/bin/python -m pytest benchmarks/bench_reference.py --benchmark-only \
        --benchmark-columns=median,iqr,rounds

Shapes are the notebook's (conv: x (100,3,31,31), w (25,3,3,3), stride 2, pad 1; pool: x (100,3,32,32),
2x2 stride 2) and the ThreeLayerConvNet's first layer (x (50,3,32,32), w (32,3,7,7), stride 1, pad 3).
The naive layers take seconds, so they run few rounds. The fast convolution and the training step
also run with the layers on 2 threads ($CNNGRADE_THREADS=2, one BLAS thread each).
benchmarks/reference_speed.py prints the speedups and the comparison with torch side by side.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from reference import fast_layers, layers
from reference.cnn import ThreeLayerConvNet

NOTEBOOK_CONV = ((100, 3, 31, 31), (25, 3, 3, 3), {"stride": 2, "pad": 1})
MODEL_CONV = ((50, 3, 32, 32), (32, 3, 7, 7), {"stride": 1, "pad": 3})
POOL_PARAM = {"pool_height": 2, "pool_width": 2, "stride": 2}


@pytest.fixture(params=[1, 2], ids=["1 layer thread", "2 layer threads"])
def layer_threads(request, monkeypatch):
    """The fast layers on 1 thread (BLAS as it is), or on 2 threads with one BLAS thread each."""
    monkeypatch.setenv("CNNGRADE_THREADS", str(request.param))
    if request.param == 1:
        yield 1
    else:
        with threadpool_limits(limits=1, user_api="blas"):
            yield request.param


def conv_inputs(case, dtype=np.float64):
    x_shape, w_shape, conv_param = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    return x, w, b, conv_param


@pytest.mark.benchmark(group="conv notebook forward")
def test_conv_forward_notebook_naive(benchmark):
    benchmark.pedantic(layers.conv_forward_naive, conv_inputs(NOTEBOOK_CONV), rounds=2, iterations=1)


@pytest.mark.benchmark(group="conv notebook forward")
def test_conv_forward_notebook_fast(benchmark, layer_threads):
    benchmark(fast_layers.conv_forward_fast, *conv_inputs(NOTEBOOK_CONV))


def notebook_dout(out):
    return np.random.default_rng(1).standard_normal(out.shape)


@pytest.mark.benchmark(group="conv notebook backward")
def test_conv_backward_notebook_naive(benchmark):
    out, cache = layers.conv_forward_naive(*conv_inputs(NOTEBOOK_CONV))
    benchmark.pedantic(layers.conv_backward_naive, (notebook_dout(out), cache), rounds=2, iterations=1)


@pytest.mark.benchmark(group="conv notebook backward")
def test_conv_backward_notebook_fast(benchmark, layer_threads):
    out, cache = fast_layers.conv_forward_fast(*conv_inputs(NOTEBOOK_CONV))
    benchmark(fast_layers.conv_backward_fast, notebook_dout(out), cache)


@pytest.mark.benchmark(group="pool notebook")
@pytest.mark.parametrize("impl", ["naive", "fast"])
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_max_pool_notebook(benchmark, impl, direction):
    x = np.random.default_rng(2).standard_normal((100, 3, 32, 32))
    forward = getattr(layers if impl == "naive" else fast_layers, f"max_pool_forward_{impl}")
    backward = getattr(layers if impl == "naive" else fast_layers, f"max_pool_backward_{impl}")
    out, cache = forward(x, POOL_PARAM)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    call, args = (forward, (x, POOL_PARAM)) if direction == "forward" else (backward, (dout, cache))
    if impl == "naive":
        benchmark.pedantic(call, args, rounds=3, iterations=1)
    else:
        benchmark(call, *args)


@pytest.mark.benchmark(group="conv model layer forward+backward")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_forward_backward_model_layer(benchmark, dtype, layer_threads):
    x, w, b, conv_param = conv_inputs(MODEL_CONV, dtype)
    dout = np.random.default_rng(4).standard_normal((50, 32, 32, 32)).astype(dtype)

    def forward_backward():
        _, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
        return fast_layers.conv_backward_fast(dout, cache)

    benchmark(forward_backward)


@pytest.mark.benchmark(group="training step")
def test_three_layer_convnet_training_step(benchmark, layer_threads):
    """Loss and gradients of ThreeLayerConvNet (hidden 500, float32) on a batch of 50: one Solver step."""
    np.random.seed(0)
    model = ThreeLayerConvNet(hidden_dim=500)
    X = np.random.randn(50, 3, 32, 32).astype(np.float32)
    y = np.random.randint(10, size=50)
    benchmark(model.loss, X, y)
