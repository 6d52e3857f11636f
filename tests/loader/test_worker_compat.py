"""In the real worker: numpy names older course years used still work, and a student's exception
reads as the exception line first, then only the submission's own frames."""

from __future__ import annotations

import numpy as np
import pytest

from grader.sandbox import StudentFailure, Worker
from grader.submission import load

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

