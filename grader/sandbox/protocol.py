"""The wire format between the grader and a worker: framed JSON plus raw .npy blobs.

Both sides import this module (the worker gets a copy), so it needs only the
standard library and numpy. Nothing here ever unpickles.

A frame is::

    b"CNG1" | json_len: u32 | n_blobs: u32 | json (UTF-8) | n_blobs x (blob_len: u64 | .npy bytes)

Values inside the JSON are plain JSON scalars (None, bool, int, float incl.
NaN/Infinity, str) or one-key objects that say what they are:
``{"l": [...]}`` list, ``{"t": [...]}`` tuple, ``{"d": {...}}`` dict with string
keys, ``{"a": i}`` the i-th blob (an ndarray saved with ``allow_pickle=False``),
``{"r": n}`` a reference to an object that stays in the worker.
Arrays must have a numeric dtype (bool, int, uint, float); sizes, nesting depth
and item counts are capped, so a hostile peer cannot make the reader allocate
or recurse without bound.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAGIC = b"CNG1"
_PREFIX = struct.Struct("<4sII")
_BLOB_LEN = struct.Struct("<Q")
NUMERIC_KINDS = "biuf"
MAX_DEPTH = 32
MAX_ITEMS = 200_000
MAX_JSON_BYTES = 16 << 20


class ProtocolError(ValueError):
    """A message or value that may not cross the boundary; str() is one readable line."""


@dataclass(frozen=True)
class Ref:
    """An object that stays in the worker, named by its number there."""

    id: int


def _check_array(arr: np.ndarray, max_array_bytes: int) -> None:
    if arr.dtype.kind not in NUMERIC_KINDS or arr.dtype.fields is not None:
        raise ProtocolError(f"an array of dtype {arr.dtype} cannot cross (numeric dtypes only)")
    if arr.nbytes > max_array_bytes:
        raise ProtocolError(
            f"an array of shape {arr.shape} ({arr.nbytes / 2**20:.1f} MiB) is larger than the "
            f"{max_array_bytes / 2**20:.1f} MiB limit"
        )


def encode(value: Any, *, max_array_bytes: int) -> tuple[Any, list[bytes]]:
    """Turn a plain value into (JSON-able tree, blobs). Raise ProtocolError for anything else."""
    blobs: list[bytes] = []
    count = 0

    def walk(v: Any, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_ITEMS:
            raise ProtocolError(f"more than {MAX_ITEMS} items in one value")
        if depth > MAX_DEPTH:
            raise ProtocolError(f"nested deeper than {MAX_DEPTH} levels")
        t = type(v)
        if v is None or t in (bool, int, float, str):
            return v
        if isinstance(v, Ref):
            return {"r": v.id}
        if isinstance(v, np.ndarray):
            arr = np.asarray(v)  # a subclass (matrix, masked array) crosses as its plain data
            _check_array(arr, max_array_bytes)
            buf = io.BytesIO()
            np.save(buf, arr, allow_pickle=False)
            blobs.append(buf.getvalue())
            return {"a": len(blobs) - 1}
        if isinstance(v, np.generic) and v.dtype.kind in NUMERIC_KINDS:
            return v.item()  # numpy scalars become Python numbers
        if t is list:
            return {"l": [walk(x, depth + 1) for x in v]}
        if t is tuple:
            return {"t": [walk(x, depth + 1) for x in v]}
        if t is dict:
            out = {}
            for k, x in v.items():
                if type(k) is not str:
                    raise ProtocolError(f"dict keys must be strings, not {type(k).__name__}")
                out[k] = walk(x, depth + 1)
            return {"d": out}
        raise ProtocolError(f"a value of type {t.__module__}.{t.__qualname__} cannot cross")

    return walk(value, 0), blobs


def decode(tree: Any, blobs: list[bytes], *, max_array_bytes: int) -> Any:
    """Inverse of `encode`; arrays are loaded with allow_pickle=False and checked again."""
    count = 0
    arrays: dict[int, np.ndarray] = {}

    def load(i: Any) -> np.ndarray:
        if type(i) is not int or not 0 <= i < len(blobs):
            raise ProtocolError("reference to a missing array")
        if i not in arrays:
            try:
                arr = np.load(io.BytesIO(blobs[i]), allow_pickle=False)
            except Exception as e:  # malformed .npy from a hostile peer
                raise ProtocolError(f"malformed array: {e}") from None
            if not isinstance(arr, np.ndarray):
                raise ProtocolError("malformed array")
            _check_array(arr, max_array_bytes)
            arrays[i] = arr
        return arrays[i]

    def walk(v: Any, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > MAX_ITEMS or depth > MAX_DEPTH:
            raise ProtocolError("value too large or nested too deeply")
        if v is None or type(v) in (bool, int, float, str):
            return v
        if type(v) is not dict or len(v) != 1:
            raise ProtocolError("malformed value")
        ((tag, x),) = v.items()
        if tag == "a":
            return load(x)
        if tag == "r" and type(x) is int:
            return Ref(x)
        if tag in ("l", "t") and type(x) is list:
            items = [walk(y, depth + 1) for y in x]
            return items if tag == "l" else tuple(items)
        if tag == "d" and type(x) is dict:
            return {k: walk(y, depth + 1) for k, y in x.items()}
        raise ProtocolError("malformed value")

    return walk(tree, 0)


def frame(header: dict[str, Any], blobs: list[bytes]) -> bytes:
    """One message as bytes, ready to write to a pipe."""
    text = json.dumps(header, allow_nan=True, separators=(",", ":")).encode()
    parts = [_PREFIX.pack(MAGIC, len(text), len(blobs)), text]
    for blob in blobs:
        parts += [_BLOB_LEN.pack(len(blob)), blob]
    return b"".join(parts)


class FrameReader:
    """Incremental parser: feed bytes as they arrive, take whole messages out.

    Declared sizes are checked before anything is buffered, so a peer cannot
    make the reader hold more than `max_message_bytes`.
    """

    def __init__(self, *, max_message_bytes: int, max_blobs: int = 4096) -> None:
        self.max_message_bytes = max_message_bytes
        self.max_blobs = max_blobs
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) > self.max_message_bytes + 64:
            raise ProtocolError(f"message larger than {self.max_message_bytes / 2**20:.0f} MiB")

    def next_message(self) -> tuple[dict[str, Any], list[bytes]] | None:
        """The next complete (header, blobs), or None when more bytes are needed."""
        buf = self._buf
        if len(buf) < _PREFIX.size:
            return None
        magic, json_len, n_blobs = _PREFIX.unpack_from(buf)
        if magic != MAGIC or json_len > MAX_JSON_BYTES or n_blobs > self.max_blobs:
            raise ProtocolError("malformed message frame")
        pos = _PREFIX.size + json_len
        spans = []
        for _ in range(n_blobs):
            if len(buf) < pos + _BLOB_LEN.size:
                return None
            (n,) = _BLOB_LEN.unpack_from(buf, pos)
            pos += _BLOB_LEN.size
            if pos + n > self.max_message_bytes + 64:
                raise ProtocolError(f"message larger than {self.max_message_bytes / 2**20:.0f} MiB")
            spans.append((pos, pos + n))
            pos += n
        if len(buf) < pos:
            return None
        try:
            header = json.loads(bytes(buf[_PREFIX.size : _PREFIX.size + json_len]))
        except (ValueError, RecursionError):
            raise ProtocolError("malformed message header") from None
        if type(header) is not dict:
            raise ProtocolError("malformed message header")
        blobs = [bytes(buf[a:b]) for a, b in spans]
        del buf[:pos]
        return header, blobs
