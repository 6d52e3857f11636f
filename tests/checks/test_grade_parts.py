"""Parts of grading that need no worker: the inputs key, the filter pictures, masked messages."""

from pathlib import Path

import numpy as np

from grader.isolate import StudentFailure
from grader.judge.kinds.train import filters_as_uint8
from grader.judge.rubric import load_rubric
from grader.judge.student_calls import StudentCalls, failure_message
from grader.run.grade import GradeOptions, inputs_key

RUBRIC = load_rubric(Path(__file__).resolve().parents[2] / "rubrics" / "convnet.toml")


def test_inputs_key_changes_with_everything_that_decides_a_report():
    base = inputs_key(RUBRIC, GradeOptions(secret="s"), "a" * 64, "builtin")
    assert len(base) == 64
    assert base == inputs_key(RUBRIC, GradeOptions(secret="s"), "a" * 64, "builtin")
    others = [
        inputs_key(RUBRIC, GradeOptions(secret="t"), "a" * 64, "builtin"),
        inputs_key(RUBRIC, GradeOptions(secret="s"), "b" * 64, "builtin"),
        inputs_key(RUBRIC, GradeOptions(secret="s"), "a" * 64, "cifar10:/data"),
        inputs_key(
            RUBRIC.model_copy(update={"sha256": "0" * 64}), GradeOptions(secret="s"), "a" * 64, "builtin"
        ),
        inputs_key(RUBRIC, GradeOptions(secret="s", public_only=True), "a" * 64, "builtin"),
    ]
    assert base not in others and len(set(others)) == len(others)
    # a self-check's key does not depend on a secret it does not use
    assert inputs_key(RUBRIC, GradeOptions(), "a" * 64, "builtin") == inputs_key(
        RUBRIC, GradeOptions(secret="s", public_only=True), "a" * 64, "builtin"
    )


def test_first_layer_filters_become_rgb_pictures_stretched_to_the_byte_range():
    W1 = np.random.default_rng(0).standard_normal((4, 3, 5, 5))
    pictures = np.array(filters_as_uint8(W1))
    assert pictures.shape == (4, 5, 5, 3)
    assert (
        pictures.min(axis=(1, 2, 3)).tolist() == [0] * 4
        and pictures.max(axis=(1, 2, 3)).tolist() == [255] * 4
    )
    gray = np.array(filters_as_uint8(W1[:, :1]))
    assert gray.shape == (4, 5, 5, 3) and np.array_equal(gray[..., 0], gray[..., 2])
    assert filters_as_uint8(np.full((2, 3, 3, 3), np.nan)) is None
    assert filters_as_uint8(np.zeros((2, 3))) is None


def calling(function: str, *shapes: tuple[int, ...]) -> StudentCalls:
    calls = StudentCalls(worker=None)
    calls.current, calls.current_shapes = function, list(shapes)
    return calls


def test_a_hidden_checks_failure_shows_no_text_from_the_students_process():
    leak = "".join("abcdefghij"[int(d)] for d in "2347")  # digits written as letters get past a mask
    traceback = f"Traceback (most recent call last):\n  ...\nValueError: shape {leak} x=[[0.1, 0.2]]"
    student = StudentFailure("error", traceback, origin="student")
    assert failure_message(student, calling("conv", (2, 3)), hidden=True) == "conv raised ValueError"
    own_type = StudentFailure("error", f"Traceback ...\nLeak_{leak}Error: x", origin="student")
    assert failure_message(own_type, calling("f"), hidden=True) == "f raised an exception"
    forged = StudentFailure("error", f"killed: memory limit {leak}", origin="student")
    assert leak not in failure_message(forged, calling("f"), hidden=True)
    limit = StudentFailure("error", "killed: memory limit of 512 MB exceeded")
    assert failure_message(limit, calling("f"), hidden=True) == "killed: memory limit of 512 MB exceeded"
    reply = StudentFailure("error", f"the worker sent a malformed reply: bad header {leak}")
    assert failure_message(reply, calling("f"), hidden=True) == "the worker sent a malformed reply"
    hung = StudentFailure("timeout", "timed out after 30 s")
    assert failure_message(hung, calling("conv", (2, 3)), hidden=True) == "conv: timed out after 30 s"
    public = failure_message(hung, calling("conv", (2, 3), (4,)), hidden=False)
    assert public == "conv: timed out after 30 s (inputs of shape (2, 3), (4,))"
    assert failure_message(student, calling("f"), hidden=False) == traceback  # public: the whole traceback
