"""Parts of grading that need no worker: the inputs key, the filter pictures, masked messages."""

from pathlib import Path

import numpy as np

from grader.checks.reference_match import _without_numbers
from grader.checks.train import filters_as_uint8
from grader.grade import GradeOptions, inputs_key
from grader.rubric import load_rubric

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


def test_a_hidden_cases_error_message_keeps_its_words_but_not_its_numbers():
    message = "Traceback ...\nValueError: cannot reshape array of size 120 into shape (2,3,4,7)"
    assert _without_numbers(message) == "ValueError: cannot reshape array of size # into shape (#,#,#,#)"
