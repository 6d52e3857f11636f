"""The one door for student values: each malformed value becomes one MalformedResultError line."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge import claims
from grader.judge.student_calls import MalformedResultError


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.zeros(3), r"dx: shape \(3,\), expected \(2, 2\)"),
        (np.array([[1.0, np.inf], [0, 0]]), "dx: contains NaN or inf"),
        (None, "dx: got None .is the function still a stub"),
        (np.array([["a", "b"], ["c", "d"]]), "dx: dtype <U1 is not a real number type"),
        ("abc", "dx: expected an array, got a str"),
        (np.zeros((2, 2), dtype=np.float32), "dx: dtype float32, expected float64"),
    ],
)
def test_arrays_are_checked_for_type_dtype_shape_and_finiteness(value, message):
    with pytest.raises(MalformedResultError, match=message):
        claims.array(value, "dx", shape=(2, 2), dtype="float64")


def test_a_hidden_shape_is_never_named():
    with pytest.raises(MalformedResultError) as caught:
        claims.array(np.zeros((3, 5, 7)), "out", shape=(3, 5, 6), reveal=False)
    assert str(caught.value) == "out: wrong shape"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**400, "too large"),
        (float("nan"), "is nan"),
        (float("-inf"), "is -inf"),
        ("1.0", "expected a number, got a str"),
        (True, "expected a number, got a bool"),
        (np.zeros(2), "expected a number, got an array"),
        ([1.0], "expected a number, got a list"),
    ],
)
def test_numbers_are_finite_plain_floats(value, message):
    with pytest.raises(MalformedResultError, match=message):
        claims.number(value, "loss")


def test_good_values_come_back_usable():
    assert claims.number(np.array(2.5), "loss") == 2.5
    assert isinstance(claims.number(np.float32(1), "loss"), float)
    assert claims.number(3, "loss") == 3.0
    assert claims.items([1, 2], 2, "pair") == (1, 2)
    params = claims.arrays({"W": np.ones((2, 3)), "b": np.zeros(3)}, "params", {"W": (2, 3), "b": (3,)})
    assert set(params) == {"W", "b"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"W": np.ones((2, 3))}, "params: has no 'b'"),
        ({"W": np.ones((2, 3)), "b": np.zeros(3), "extra": 1}, "params: unexpected entries extra"),
        ({"W": "x", "b": np.zeros(3)}, r"params\['W'\]: expected an array, got a str"),
        ([np.ones((2, 3)), np.zeros(3)], "params: expected a dict, got a list"),
    ],
)
def test_dicts_of_arrays_name_the_bad_entry(value, message):
    with pytest.raises(MalformedResultError, match=message):
        claims.arrays(value, "params", {"W": (2, 3), "b": (3,)}, exact_keys=True)


def test_tuples_of_the_wrong_length():
    with pytest.raises(MalformedResultError, match="expected a tuple of 3 items, got 2 items"):
        claims.items((1, 2), 3, "grads")
    with pytest.raises(MalformedResultError, match="expected a tuple of 2 items, got a str"):
        claims.items("ab", 2, "result")
