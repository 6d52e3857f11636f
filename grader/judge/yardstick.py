"""Yardsticks as data: the answer key's outputs on fixed inputs, for the student kit.

The student kit (`cnngrade release --kit`, docs/kits.md) ships no answer-key code. Every function
of `grader.judge.expected` that runs the answer key is a *yardstick*: in the instructor's grader
it computes; while a kit is built (`recording`) it computes and stores its answer under a digest
of its name and inputs; in the kit it looks the answer up. Only inputs fixed before any student is
seen can be stored (the notebook's cases, the diagnosis's probes, the grader's probing weights);
anything else (a student's own initialization) raises `NotPrecomputedError`, and the check judges
without it (docs/kits.md lists what that changes).

The kit's table is `grader/judge/kit_yardstick.npz`: one array per stored array, and `index`, a
JSON document (bytes) mapping each digest to its value, arrays written as {"$a": n}, tuples as
{"$t": [...]}.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

INSTALLED = Path(__file__).with_name("kit_yardstick.npz")


class NotPrecomputedError(Exception):
    """The student kit has no stored answer for these inputs."""


def digest(*parts: Any) -> str:
    """A canonical sha256 of nested inputs: arrays by dtype, shape and bytes; dicts by sorted key."""
    h = hashlib.sha256()
    _feed(h, parts)
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        h.update(f"A{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, BaseModel):
        _feed(h, value.model_dump(mode="json"))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _feed(h, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    elif isinstance(value, dict):
        h.update(f"D{len(value)}".encode())
        for key in sorted(value):
            _feed(h, key)
            _feed(h, value[key])
    elif isinstance(value, list | tuple):
        h.update(f"L{len(value)}".encode())
        for item in value:
            _feed(h, item)
    else:
        h.update(f"S{type(value).__name__}:{value!r};".encode())


class Table:
    """Digest -> answer; answers are arrays, numbers, strings, None, and tuples, lists, dicts of those."""

    def __init__(self, entries: dict[str, Any] | None = None) -> None:
        self.entries: dict[str, Any] = entries if entries is not None else {}

    def get(self, key: str) -> Any:
        try:
            return self.entries[key]
        except KeyError:
            raise NotPrecomputedError(key) from None

    def save(self, path: Path) -> None:
        arrays: list[np.ndarray] = []

        def encode(value: Any) -> Any:
            if isinstance(value, np.generic):
                return value.item()
            if isinstance(value, np.ndarray):
                arrays.append(value)
                return {"$a": len(arrays) - 1}
            if isinstance(value, tuple):
                return {"$t": [encode(v) for v in value]}
            if isinstance(value, list):
                return [encode(v) for v in value]
            if isinstance(value, dict):
                return {k: encode(v) for k, v in value.items()}
            return value

        index = json.dumps({k: encode(v) for k, v in sorted(self.entries.items())}).encode()
        named = {f"a{i}": a for i, a in enumerate(arrays)}
        with open(path, "wb") as f:
            np.savez_compressed(f, index=np.frombuffer(index, dtype=np.uint8), **named)

    @classmethod
    def load(cls, path: Path) -> Table:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}

        def decode(value: Any) -> Any:
            if isinstance(value, dict) and "$a" in value:
                return arrays[f"a{value['$a']}"]
            if isinstance(value, dict) and "$t" in value:
                return tuple(decode(v) for v in value["$t"])
            if isinstance(value, list):
                return [decode(v) for v in value]
            if isinstance(value, dict):
                return {k: decode(v) for k, v in value.items()}
            return value

        index = json.loads(arrays.pop("index").tobytes())
        return cls({k: decode(v) for k, v in index.items()})


# The kit's table, read once: whether this grader is the kit is a fact of the installed files.
KIT: Table | None = Table.load(INSTALLED) if INSTALLED.exists() else None
_recording: contextvars.ContextVar[Table | None] = contextvars.ContextVar("recording", default=None)


@contextlib.contextmanager
def recording(table: Table) -> Iterator[Table]:
    """Every yardstick computed inside the block is also stored in `table` (building a kit)."""
    token = _recording.set(table)
    try:
        yield table
    finally:
        _recording.reset(token)


F = TypeVar("F", bound=Callable[..., Any])


def yardstick(key: Callable[..., tuple] | None = None) -> Callable[[F], F]:
    """Make a function of the answer key a yardstick (see the module's docstring). `key(**arguments)`
    picks the inputs that identify an answer (default: all of them)."""

    def wrap(function: F) -> F:
        signature = inspect.signature(function)

        def name(args: tuple, kwargs: dict) -> str:
            # by name, defaults filled in: f(x, reg=None) and f(x) are the same question
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return digest(function.__name__, key(**bound.arguments) if key else bound.arguments)

        @functools.wraps(function)
        def answer(*args: Any, **kwargs: Any) -> Any:
            if KIT is not None:
                return KIT.get(name(args, kwargs))
            table = _recording.get()
            if table is None:  # the instructor's grader: no digest of (megabytes of) inputs
                return function(*args, **kwargs)
            token = _recording.set(None)  # the yardsticks it calls are not asked about on their own
            try:
                value = table.entries[name(args, kwargs)] = function(*args, **kwargs)
            finally:
                _recording.reset(token)
            return value

        return answer  # type: ignore[return-value]

    return wrap


def available(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`function(*args, **kwargs)`, or None when the student kit has no answer for these inputs."""
    try:
        return function(*args, **kwargs)
    except NotPrecomputedError:
        return None
