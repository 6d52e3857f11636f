"""Comparing a student's arrays with expected ones, and explaining a mismatch in one line.

float64 inputs are judged by the course's own relative error (what the notebook
prints). float32 inputs are judged against the float64 answer by the error
relative to the answer's scale: the course metric divides by |x| + |y| per
element, which float32 rounding blows up wherever an output is near zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from grader.judge import claims
from grader.judge.student_calls import MalformedResultError
from reference.gradient_check import rel_error


@dataclass(frozen=True)
class Comparison:
    ok: bool
    error: float  # inf when shapes or types make a number meaningless
    message: str  # "" when ok


def scaled_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |actual - expected| / max |expected|."""
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    return float(np.max(np.abs(actual.astype(np.float64) - expected), initial=0.0)) / scale


def symmetric_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(max |a|, max |b|): neither side is the yardstick (a figure, not a verdict)."""
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)), 1e-12)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


def compare(
    name: str,
    actual: object,
    expected: np.ndarray,
    *,
    dtype: np.dtype,
    tol: float,
    reveal: bool = True,
    scaled: bool = False,
) -> Comparison:
    """Is `actual` (from the student) an array shaped like `expected`, finite, and close enough?

    `actual` passes through `claims.array` like every student value.

    scaled=True uses the scale-relative error whatever the dtype (for numeric gradients of a whole
    loss, whose tiny entries carry the finite-difference noise of the loss's size).
    With reveal=False (hidden cases) a message never states the expected shape.
    """
    try:
        checked = claims.array(actual, name, shape=expected.shape, reveal=reveal)
    except MalformedResultError as exc:
        return Comparison(False, float("inf"), str(exc))
    if expected.size == 0:
        return Comparison(True, 0.0, "")
    scaled = scaled or np.dtype(dtype) == np.float32
    error = scaled_error(checked, expected) if scaled else rel_error(checked, expected)
    if error <= tol:
        return Comparison(True, error, "")
    return Comparison(False, error, f"{name}: relative error {error:.2e} > {tol:.0e}")


def tolerance(dtype: np.dtype, tol: float, tol_float32: float) -> float:
    return tol_float32 if np.dtype(dtype) == np.float32 else tol


def common_tolerance(dtypes: Iterable[np.dtype], tol: float, tol_float32: float) -> float | None:
    """The one tolerance cases of these dtypes are all held to; None when it differs between them."""
    tolerances = {tolerance(dtype, tol, tol_float32) for dtype in dtypes}
    return tolerances.pop() if len(tolerances) == 1 else None
