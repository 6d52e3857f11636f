"""The one door through which every value from the student's process enters a check.

Whatever the worker sends back is the student's claim: a layer's output, a
loss, a dict of gradients, a model's params. Each function here takes such a
value and either returns it in a shape the grader can compute with (an ndarray
of a numeric dtype, a finite Python float, a tuple of known length, a dict of
known keys) or raises `MalformedResultError` with one line that says what was
wrong. Nothing else a student value can do raises in the grader.

`reveal=False` keeps the student's shapes out of messages: in a hidden check
the shape of an output would tell the student the shape of the hidden input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from grader.judge.student_calls import MalformedResultError


def describe(value: Any, *, reveal: bool = True) -> str:
    """'an array of shape (2, 3) and dtype float64', 'a str', 'None'."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        shape = f" of shape {value.shape}" if reveal else ""
        return f"an array{shape} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def array(
    value: Any,
    name: str,
    *,
    shape: tuple[int, ...] | None = None,
    dtype: np.dtype | str | None = None,
    finite: bool = True,
    reveal: bool = True,
    kinds: str = "iuf",
) -> np.ndarray:
    """`value` as a real-number ndarray (dtype kind in `kinds`: int, uint, float), of `shape` and
    `dtype` if given."""
    if value is None:
        raise MalformedResultError(f"{name}: got None (is the function still a stub that returns nothing?)")
    if not isinstance(value, np.ndarray):
        raise MalformedResultError(f"{name}: expected an array, got {describe(value, reveal=reveal)}")
    if value.dtype.kind not in kinds:
        wanted = "a float" if kinds == "f" else "a real number"
        raise MalformedResultError(f"{name}: dtype {value.dtype} is not {wanted} type")
    if shape is not None and value.shape != tuple(shape):
        detail = f"shape {value.shape}, expected {tuple(shape)}" if reveal else "wrong shape"
        raise MalformedResultError(f"{name}: {detail}")
    if dtype is not None and value.dtype != np.dtype(dtype):
        raise MalformedResultError(f"{name}: dtype {value.dtype}, expected {np.dtype(dtype)}")
    if finite and value.dtype.kind == "f" and not np.isfinite(value).all():
        raise MalformedResultError(f"{name}: contains NaN or inf")
    return value


def number(value: Any, name: str) -> float:
    """`value` as a finite Python float (from an int, a float, or a 0-d / size-1 numeric array)."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise MalformedResultError(f"{name}: expected a number, got {describe(value)}")
    try:
        result = float(value)
    except OverflowError:  # an int like 10**400 has no float
        raise MalformedResultError(f"{name}: the number is too large") from None
    if not math.isfinite(result):
        raise MalformedResultError(f"{name}: is {result}")
    return result


def items(value: Any, count: int, name: str) -> tuple[Any, ...]:
    """`value` as a tuple of exactly `count` items (a list is accepted: students return either)."""
    if not isinstance(value, tuple | list) or len(value) != count:
        got = f"{len(value)} items" if isinstance(value, tuple | list) else describe(value)
        raise MalformedResultError(f"{name}: expected a tuple of {count} items, got {got}")
    return tuple(value)


def mapping(value: Any, name: str, keys: Iterable[str]) -> dict[str, Any]:
    """`value` as a dict holding at least `keys` (string keys only)."""
    if not isinstance(value, dict):
        raise MalformedResultError(f"{name}: expected a dict, got {describe(value)}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise MalformedResultError(f"{name}: has no {', '.join(repr(k) for k in missing)}")
    return value


def arrays(
    value: Any,
    name: str,
    shapes: Mapping[str, tuple[int, ...]],
    *,
    dtype: np.dtype | str | None = None,
    exact_keys: bool = False,
    kinds: str = "iuf",
) -> dict[str, np.ndarray]:
    """A dict of named arrays (model params, gradients) with the expected shapes and dtype."""
    found = mapping(value, name, shapes)
    if exact_keys and set(found) != set(shapes):
        extra = sorted(str(k) for k in set(found) - set(shapes))
        raise MalformedResultError(f"{name}: unexpected entries {', '.join(extra)}")
    return {
        key: array(found[key], f"{name}[{key!r}]", shape=shape, dtype=dtype, kinds=kinds)
        for key, shape in shapes.items()
    }
