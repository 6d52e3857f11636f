"""Checks on values that came back from a worker, before any check compares them.

Each raises `StudentFailure("error", ...)` with one readable line, so a check
records a malformed result as an error with the reason instead of crashing on it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .worker import StudentFailure

_KINDS = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "float"}


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def expect_array(
    value: Any,
    *,
    name: str,
    shape: tuple[int, ...] | None = None,
    kinds: str = "f",
    finite: bool = True,
) -> np.ndarray:
    """`value` as an ndarray whose dtype kind is in `kinds` (e.g. "f", "iu"), of `shape`, all finite."""
    if not isinstance(value, np.ndarray):
        raise StudentFailure("error", f"{name} should be an ndarray, got {_describe(value)}")
    if value.dtype.kind not in kinds:
        wanted = " or ".join(_KINDS[k] for k in kinds)
        raise StudentFailure("error", f"{name} should have a {wanted} dtype, got {value.dtype}")
    if shape is not None and value.shape != tuple(shape):
        raise StudentFailure("error", f"{name} should have shape {tuple(shape)}, got {value.shape}")
    if finite and value.dtype.kind == "f" and not np.isfinite(value).all():
        bad = int(value.size - np.isfinite(value).sum())
        raise StudentFailure("error", f"{name} has {bad} NaN or infinite entries")
    return value


def expect_float(value: Any, *, name: str, finite: bool = True) -> float:
    """`value` as a float (a Python int/float or a 0-d / size-1 numeric array)."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StudentFailure("error", f"{name} should be a number, got {_describe(value)}")
    if finite and not math.isfinite(value):
        raise StudentFailure("error", f"{name} is {value}")
    return float(value)


def expect_tuple(value: Any, length: int, *, name: str) -> tuple[Any, ...]:
    """`value` as a tuple (or list) of exactly `length` items."""
    if not isinstance(value, (tuple, list)) or len(value) != length:
        got = f"{len(value)} items" if isinstance(value, (tuple, list)) else _describe(value)
        raise StudentFailure("error", f"{name} should be a tuple of {length} items, got {got}")
    return tuple(value)
