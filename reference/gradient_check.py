"""Numeric gradients by centered differences, and the relative error used to compare arrays.

Starter module: it imports only numpy, so the grader can copy it verbatim into a submission.
"""

from collections.abc import Callable, Iterator
from random import randrange
from typing import Any

import numpy as np


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """Largest elementwise relative error: ``max |x - y| / max(1e-8, |x| + |y|)``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _centered_difference(f: Callable, x: np.ndarray, ix: tuple, h: float) -> tuple[Any, Any]:
    """f(x + h e_ix) and f(x - h e_ix), perturbing x in place and restoring it."""
    old = x[ix]
    x[ix] = old + h
    # Copy because f may return a view of a buffer it reuses on the next call.
    fxph = np.copy(f(x))
    x[ix] = old - h
    fxmh = np.copy(f(x))
    x[ix] = old
    return fxph, fxmh


def _centered_differences(f: Callable, x: np.ndarray, h: float) -> Iterator[tuple[tuple, Any, Any]]:
    """Yield (index, f(x + h e_i), f(x - h e_i)) for every index i of x."""
    for ix in np.ndindex(x.shape):
        yield ix, *_centered_difference(f, x, ix, h)


def eval_numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, verbose: bool = True, h: float = 1e-5
) -> np.ndarray:
    """Numeric gradient of a scalar function f at x.

    grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2h) for every index i of x. x is perturbed in place
    and restored, so f must read x each call (e.g. a model's parameter array).

    Returns an array shaped like x.
    """
    grad = np.zeros_like(x)
    for ix, fxph, fxmh in _centered_differences(f, x, h):
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Numeric gradient of ``sum(f(x) * df)`` at x, for an array-valued f and upstream derivative df.

    grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * df) / (2h). x is perturbed in place and restored.

    Returns an array shaped like x.
    """
    grad = np.zeros_like(x)
    for ix, pos, neg in _centered_differences(f, x, h):
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
) -> None:
    """Print numeric and analytic gradients of f at num_checks random indices of x, with their error.

    The numeric gradient is (f(x + h e_i) - f(x - h e_i)) / (2h); x is perturbed in place and restored.
    """
    for _ in range(num_checks):
        ix = tuple(randrange(m) for m in x.shape)
        fxph, fxmh = _centered_difference(f, x, ix, h)
        numeric = float((fxph - fxmh) / (2 * h))
        analytic = float(analytic_grad[ix])
        error = abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic))
        print(f"numerical: {numeric:f} analytic: {analytic:f}, relative error: {error:e}")
