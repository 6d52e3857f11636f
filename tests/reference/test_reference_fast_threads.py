"""The fast layers split between threads ($CNNGRADE_THREADS) give the serial results."""

import multiprocessing
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from reference import fast_layers, layers
from reference.gradient_check import rel_error


def conv_run(x, w, b, conv_param, dout):
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    return (out, *fast_layers.conv_backward_fast(dout, cache))


def conv_case(N, seed=0):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((N, 3, 13, 11)), rng.standard_normal((5, 3, 3, 4)), rng.standard_normal(5)
    conv_param = {"stride": 2, "pad": 1}
    dout = rng.standard_normal(fast_layers.conv_forward_fast(x, w, b, conv_param)[0].shape)
    return x, w, b, conv_param, dout


@pytest.mark.parametrize("threads", ["2", "3"])
@pytest.mark.parametrize("N", [1, 2, 7, 40, 300])
def test_threads_give_the_serial_results(monkeypatch, threads, N):
    case = conv_case(N)
    monkeypatch.setenv("CNNGRADE_THREADS", "1")
    serial = conv_run(*case)
    monkeypatch.setenv("CNNGRADE_THREADS", threads)
    threaded = conv_run(*case)
    # Bit for bit: dw and db add the chunks' parts in chunk order, whichever thread computed them.
    for got, expected in zip(threaded, serial, strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("value", "expected"), [("", 1), ("1", 1), ("4", 4), ("0", 1), ("-2", 1), ("two", 1)]
)
def test_thread_count_comes_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("CNNGRADE_THREADS", value)
    assert fast_layers._thread_count() == expected


def _conv_in_child(queue):
    queue.put(conv_run(*conv_case(12))[2])


def test_threads_work_in_a_forked_child(monkeypatch):
    """A forked child inherits the parent's pool object but none of its threads."""
    monkeypatch.setenv("CNNGRADE_THREADS", "2")
    expected = conv_run(*conv_case(12))[2]  # the parent's pool now exists
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_conv_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0, "the child hung or failed"
    np.testing.assert_array_equal(queue.get(timeout=5), expected)


def test_a_thread_that_cannot_start_leaves_its_images_to_the_caller():
    # A 4 TiB stack per thread: the kernel refuses every new thread, as under a process limit.
    script = textwrap.dedent(
        """
        import os
        import threading

        import numpy as np
        from reference import fast_layers

        x = np.random.default_rng(0).standard_normal((9, 2, 6, 6))
        w, b = np.ones((3, 2, 3, 3)), np.zeros(3)
        conv_param = {"stride": 1, "pad": 1}
        serial = fast_layers.conv_forward_fast(x, w, b, conv_param)[0]
        threading.stack_size(2**42)
        os.environ["CNNGRADE_THREADS"] = "3"
        threaded = fast_layers.conv_forward_fast(x, w, b, conv_param)[0]
        assert threading.active_count() == 1, threading.enumerate()
        assert (threaded == serial).all()
        print("ok")
        """
    )
    env = {**os.environ, "CNNGRADE_THREADS": "1"}
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize("shape", [((6, 4, 8, 8), 300), ((700, 20), 5), ((3, 10), 4)])
def test_affine_fast_matches_affine_for_any_thread_count(monkeypatch, shape):
    """Split matmuls (by rows, by columns, or not at all) give the plain layer's results up to
    rounding, and the same bits for every thread count."""
    x_shape, M = shape
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    w, b = rng.standard_normal((int(np.prod(x_shape[1:])), M)), rng.standard_normal(M)
    dout = rng.standard_normal((x_shape[0], M))
    out, cache = layers.affine_forward(x, w, b)
    plain = (out, *layers.affine_backward(dout, cache))
    results = {}
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("CNNGRADE_THREADS", threads)
        out, cache = fast_layers.affine_forward_fast(x, w, b)
        results[threads] = (out, *fast_layers.affine_backward_fast(dout, cache))
    for got, expected in zip(results["1"], plain, strict=True):
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert rel_error(got, expected) <= 1e-9
    for threads in ("2", "3"):
        for got, expected in zip(results[threads], results["1"], strict=True):
            np.testing.assert_array_equal(got, expected)


def test_affine_fast_promotes_dtypes_like_affine():
    x, w = np.ones((2, 3), dtype=np.float32), np.ones((3, 4), dtype=np.float32)
    b = np.full(4, 0.1)  # float64: the output is float64, as x @ w + b is
    out, _ = fast_layers.affine_forward_fast(x, w, b)
    expected, _ = layers.affine_forward(x, w, b)
    assert out.dtype == expected.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
