"""Precomputed yardsticks: the answer key's outputs on fixed inputs, stored as data.

The student kit has no answer-key code. What its public checks compare with was computed by the
reference at release time (`grader/release/kit.py`) on the inputs those checks use (the
notebook's cases, the known-bug variants on them, the grader's probing weights) and is looked up
here by a digest of the inputs. An input that is not in the table raises `NotPrecomputedError`: the kit
cannot judge it, and the check says so or falls back to a rule that needs no reference.

The file is `grader/checks/kit_yardstick.npz`: one array per stored array, and `index`, a JSON
document (bytes) mapping each digest to its value, arrays referenced as {"$a": n}, tuples as
{"$t": [...]}.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

INSTALLED = Path(__file__).with_name("kit_yardstick.npz")


class NotPrecomputedError(Exception):
    """The kit has no precomputed answer for these inputs."""


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
    """Digest -> value; values are arrays, numbers, strings, None, tuples, lists and dicts of those."""

    def __init__(self, entries: dict[str, Any] | None = None) -> None:
        self.entries: dict[str, Any] = entries or {}

    def put(self, value: Any, *parts: Any) -> None:
        self.entries[digest(*parts)] = value

    def get(self, *parts: Any) -> Any:
        try:
            return self.entries[digest(*parts)]
        except KeyError:
            raise NotPrecomputedError(f"not precomputed: {parts[0]}") from None

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


def installed() -> Table | None:
    """The kit's table when this grader is the student kit; None in the instructor's grader."""
    return Table.load(INSTALLED) if INSTALLED.exists() else None
