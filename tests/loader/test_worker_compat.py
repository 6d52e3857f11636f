"""In the real worker: numpy names older course years used still work, and a student's exception
reads as the exception line first, then only the submission's own frames."""

from __future__ import annotations

import numpy as np
import pytest

from grader.isolate import StudentFailure, Worker
from grader.load.submission import load

OLD_NUMPY = '''import numpy as np
from past.builtins import xrange


def affine_forward(x, w, b):
    n = np.int(x.shape[0])
    out = np.zeros((n, w.shape[1]), dtype=np.float)
    for i in xrange(n):
        out[i] = x[i].reshape(-1).dot(w) + b
    return out, (x, w, b)


def relu_forward(x):
    return np.maximum(x, np.float_(0)), x


def helper(x):
    return x[10]


def relu_backward(dout, cache):
    return helper(dout)


def softmax_loss(x, y):
    # size-1 array to int: a warning before numpy 2.4, an error in 2.4
    return float(np.array([x.sum()])), int(np.array([y[0]]))
'''


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("compat")
    (tmp / "layers.py").write_text(OLD_NUMPY)
    bundle = load(tmp / "layers.py", tmp / "scratch")
    with Worker(bundle) as worker:
        yield worker


def test_removed_numpy_names_and_past_builtins_work(worker: Worker):
    x, w, b = np.ones((2, 3)), np.ones((3, 4)), np.arange(4.0)
    out, _ = worker.call("affine_forward", x, w, b).value
    np.testing.assert_array_equal(out, x.dot(w) + b)
    assert worker.call("relu_forward", np.array([-1.0, 2.0])).value[0].tolist() == [0.0, 2.0]


def test_size_one_array_converts_to_a_python_number(worker: Worker):
    assert worker.call("softmax_loss", np.ones((2, 3)), np.array([4, 1])).value == (6.0, 4)


def test_exception_line_first_and_only_student_frames(worker: Worker):
    with pytest.raises(StudentFailure) as caught:
        worker.call("relu_backward", np.zeros(3), None)
    lines = caught.value.message.splitlines()
    assert lines[0] == "IndexError: index 10 is out of bounds for axis 0 with size 3"
    frames = [line for line in lines if line.lstrip().startswith("File ")]
    assert [f.split(", in ")[-1] for f in frames] == ["relu_backward", "helper"]
    assert all(f.lstrip().startswith('File "layers.py"') for f in frames), frames
    assert "cnngrade_worker" not in caught.value.message



FLOAT_SIZES = '''import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """Sizes and indices from true division, as numpy < 1.12 accepted them."""
    rows = x.shape[0] / 2.0
    out = np.zeros((rows, 3))
    out[rows - 1.0, :] = x[1.0, 0.0:3.0]
    flat = x.reshape(x.shape[0] * 1.0, -1)
    same = np.reshape(flat, (flat.shape[0] / 1.0, flat.shape[1]))
    return out, same


def max_pool_forward_naive(x, pool_param):
    return np.zeros((x.shape[0] / 3.0, 2)), None


def affine_forward(x, w, b):
    """Modern code: what it computes is unchanged, a float that is data stays a float."""
    return np.array([1.0, 2.0]).reshape(2, 1) * x[0, 0], {1.0: "float key"}[1]
'''


@pytest.fixture(scope="module")
def float_worker(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("floats")
    (tmp / "layers.py").write_text(FLOAT_SIZES)
    bundle = load(tmp / "layers.py", tmp / "scratch")
    with Worker(bundle) as worker:
        yield worker


def test_whole_number_floats_work_as_sizes_and_indices(float_worker: Worker):
    x = np.arange(12.0).reshape(4, 3)
    out, same = float_worker.call("conv_forward_naive", x, None, None, {}).value
    assert out.shape == (2, 3) and out[1].tolist() == [3.0, 4.0, 5.0] and out[0].tolist() == [0, 0, 0]
    np.testing.assert_array_equal(same, x)
    scaled, key = float_worker.call("affine_forward", np.full((1, 1), 3.0), None, None).value
    assert scaled.dtype == np.float64 and scaled.tolist() == [[3.0], [6.0]] and key == "float key"


def test_a_float_that_is_not_whole_is_still_refused_and_the_line_is_the_students(float_worker: Worker):
    with pytest.raises(StudentFailure) as caught:
        float_worker.call("max_pool_forward_naive", np.zeros((4, 2)), {})
    lines = caught.value.message.splitlines()
    assert lines[0].startswith("TypeError: 'float' object cannot be interpreted as an integer")
    assert "return np.zeros((x.shape[0] / 3.0, 2)), None" in caught.value.message  # the source as written


def test_the_worker_notes_where_a_float_was_a_size(float_worker: Worker):
    float_worker.call("conv_forward_naive", np.ones((4, 3)), None, None, {})
    notes = float_worker.op("float_size_notes").value
    # np.zeros((rows, 3)), the indices and the slice, x.reshape(...), np.reshape(flat, (...)):
    # each line once, however often it ran
    assert notes == [["layers.py", 7], ["layers.py", 8], ["layers.py", 9], ["layers.py", 10]]
