"""The Worker API at every isolation level: values, handles, failures, restarts, output, ops."""

from __future__ import annotations

import numpy as np
import pytest

from grader.isolate import Handle, IsolationError, Limits, StaleHandleError, StudentFailure, Worker

from .conftest import FAST, LEVELS, write_module

STUDENT = """
import numpy as np

class Net:
    def __init__(self, scale=1.0):
        self.params = {"W1": np.ones((3, 2)) * scale}

    def loss(self, X, y=None):
        W = self.params["W1"]
        out = X @ W
        return float(np.sum(out ** 2)), {"W1": 2 * X.T @ out}

def affine(x, w):
    print("affine called")
    return x @ w, (x, w)

def affine_back(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout

def shout(n):
    print("x" * n)

def fail():
    raise ValueError("bad input")
"""
SYMBOLS = ["Net", "affine", "affine_back", "shout", "fail"]


@pytest.fixture
def bundle(tmp_path):
    return write_module(tmp_path, "student", STUDENT, SYMBOLS)


def test_arrays_cross_and_a_cache_stays_behind_a_handle(bundle, worker_for, level):
    worker = worker_for(bundle, level)
    assert worker.isolation == level
    rng = np.random.default_rng(0)
    x, w, dout = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    reply = worker.call("affine", x, w, keep=(1,))
    out, cache = reply.value
    np.testing.assert_allclose(out, x @ w)
    assert isinstance(cache, Handle)
    assert reply.output == "affine called\n"
    assert 0 < reply.duration_s <= reply.wall_s
    dx, dw = worker.call("affine_back", dout, cache).value
    np.testing.assert_allclose(dx, dout @ w.T)
    np.testing.assert_allclose(dw, x.T @ dout)


def test_a_model_is_built_read_changed_and_run_through_its_handle(bundle, worker_for):
    worker = worker_for(bundle, LEVELS[0])
    model = worker.call("Net", keep=True, scale=2.0).value
    np.testing.assert_array_equal(worker.get_attr(model, "params").value["W1"], np.full((3, 2), 2.0))
    worker.set_item(model, "params", "W1", np.eye(3, 2))
    X = np.arange(6.0).reshape(2, 3)
    loss, grads = worker.call_method(model, "loss", X).value
    assert loss == pytest.approx(np.sum((X @ np.eye(3, 2)) ** 2))
    np.testing.assert_allclose(grads["W1"], 2 * X.T @ (X @ np.eye(3, 2)))


def test_a_raising_call_fails_and_the_next_call_gets_a_fresh_worker(bundle, worker_for, level):
    worker = worker_for(bundle, level)
    model = worker.call("Net", keep=True).value
    with pytest.raises(StudentFailure) as failure:
        worker.call("fail")
    assert failure.value.status == "error"
    assert "ValueError: bad input" in failure.value.message
    with pytest.raises(StaleHandleError):
        worker.get_attr(model, "params")
    assert worker.call("affine", np.eye(3), np.ones((3, 2))).value[0].shape == (3, 2)


def test_captured_output_keeps_the_first_and_last_part(bundle, worker_for):
    worker = worker_for(bundle, LEVELS[0], Limits(output_kib=2))
    output = worker.call("shout", 100_000).output
    assert output.startswith("x" * 1024) and output.endswith("x" * 1000 + "\n")
    assert f"[... {100_001 - 2048} bytes of output omitted ...]" in output


def test_a_required_level_that_is_not_met_refuses_to_start(bundle):
    with pytest.raises(IsolationError, match="below the required 'bwrap'"):
        Worker(bundle, FAST, isolation="process", min_isolation="bwrap")
    with pytest.raises(ValueError, match="unknown isolation level"):
        Worker(bundle, FAST, min_isolation="docker")


def test_the_strongest_available_level_is_the_default(bundle, worker_for):
    worker = Worker(bundle, FAST, min_isolation=LEVELS[0])
    try:
        assert worker.isolation == LEVELS[0]
    finally:
        worker.close()


def test_ops_evaluate_perturbed_inputs_and_return_raw_values(bundle, worker_for):
    worker = worker_for(bundle, LEVELS[0])
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    outputs = worker.op("perturbed_outputs", symbol="affine", args=[x, w], wrt=0, h=0.5).value
    assert len(outputs) == 2 * x.size
    moved = x.copy()
    moved[0, 1] -= 0.5  # entry 1, step -h: the fourth call
    np.testing.assert_allclose(outputs[3], moved @ w)
    model = worker.call("Net", keep=True).value
    X = rng.standard_normal((5, 3))
    losses = worker.op("perturbed_losses", model=model, X=X, y=None, name="W1", h=1e-3).value
    assert len(losses) == 2 * 6 and all(isinstance(v, float) for v in losses)
    worker.op("import_module", name=bundle.manifest.symbols["affine"].module)
    with pytest.raises(StudentFailure, match="not one of the submission's modules"):
        worker.op("import_module", name="os")


