"""The wire format between the grader and a worker: framed JSON plus raw .npy blobs.

Both sides import this module (the worker gets a copy), so it needs only the
standard library and numpy. Nothing here ever unpickles.

A frame is a fixed prefix ``b"CNG1" | json_len: u32 | n_blobs: u32 | flags: u32 |
body_len: u64`` and a body: the JSON header (UTF-8), padding to 8, a table of
``n_blobs`` u64 blob lengths, then the blobs, each starting at a multiple of 64
bytes. With the ``SHARED`` flag the blobs are not in the body but at the same
kind of offsets (from 0) in a shared-memory region both sides map (a sealed
memfd: it cannot shrink under the reader); the reader copies them out at once,
so neither side's later writes can change a value already received. A blob
is an ``.npy`` file (format 1.0/2.0, as ``np.save(allow_pickle=False)`` writes
it). The reader allocates the body once (after checking its size against the
cap) and maps arrays onto it without copying; the npy header is parsed with
numpy's own header reader, and only numeric dtypes are accepted, so there is no
path to pickle.

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

import functools
import io
import json
import math
import os
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAGIC = b"CNG1"
_PREFIX = struct.Struct("<4sIIIQ")
SHARED = 1  # flag: the blobs are in the shared region, not in the body
SHARED_MIN_BYTES = 64 << 10  # smaller messages go through the pipe alone
_U64 = struct.Struct("<Q")
NUMERIC_KINDS = "biuf"
MAX_DEPTH = 32
MAX_ITEMS = 200_000
MAX_JSON_BYTES = 16 << 20
MAX_BLOBS = 4096
NPY_MAGIC = b"\x93NUMPY"


class ProtocolError(ValueError):
    """A message or value that may not cross the boundary; str() is one readable line."""


@dataclass(frozen=True)
class Ref:
    """An object that stays in the worker, named by its number there."""

    id: int


def _check_array(dtype: np.dtype, shape: tuple[int, ...], nbytes: int, max_array_bytes: int) -> None:
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProtocolError(f"an array of dtype {dtype} cannot cross (numeric dtypes only)")
    if nbytes > max_array_bytes:
        raise ProtocolError(
            f"an array of shape {shape} ({nbytes / 2**20:.1f} MiB) is larger than the "
            f"{max_array_bytes / 2**20:.1f} MiB limit"
        )


def encode(value: Any, *, max_array_bytes: int) -> tuple[Any, list[np.ndarray]]:
    """Turn a plain value into (JSON-able tree, arrays). Raise ProtocolError for anything else."""
    arrays: list[np.ndarray] = []
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
            _check_array(arr.dtype, arr.shape, arr.nbytes, max_array_bytes)
            arrays.append(arr)
            return {"a": len(arrays) - 1}
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

    return walk(value, 0), arrays


def _load_npy(blob: memoryview, max_array_bytes: int) -> np.ndarray:
    """An array viewing `blob` (an .npy file in memory), after checking its header and size."""
    if bytes(blob[:6]) != NPY_MAGIC or len(blob) < 12 or blob[6] not in (1, 2):
        raise ProtocolError("malformed array")
    start, hlen = (10, blob[8] | blob[9] << 8) if blob[6] == 1 else (12, struct.unpack_from("<I", blob, 8)[0])
    try:
        shape, fortran, dtype = _read_npy_header(bytes(blob[: start + hlen]))
    except Exception as e:
        # numpy's reader is not written for hostile bytes: besides ValueError it lets through
        # tokenize.TokenError, MemoryError, RecursionError, ... Whatever it raises, the header is bad.
        raise ProtocolError(f"malformed array header: {type(e).__name__}") from None
    count = math.prod(shape)
    _check_array(dtype, shape, count * dtype.itemsize, max_array_bytes)
    if len(blob) - start - hlen != count * dtype.itemsize:
        raise ProtocolError("array data does not match its header")
    arr = np.frombuffer(blob, dtype=dtype, count=count, offset=start + hlen)
    return arr.reshape(shape, order="F" if fortran else "C")


@functools.lru_cache(maxsize=256)
def _read_npy_header(head: bytes) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) by numpy's own header reader. Kept for the headers seen last:
    the arrays of one message mostly share theirs (a numeric gradient's 2·size outputs), and numpy
    parses each with `ast.literal_eval`, about 0.1 ms."""
    stream = io.BytesIO(head)
    version = np.lib.format.read_magic(stream)
    read = np.lib.format.read_array_header_1_0 if version[0] == 1 else np.lib.format.read_array_header_2_0
    return read(stream)


def decode(tree: Any, blobs: list[memoryview], *, max_array_bytes: int) -> Any:
    """Inverse of `encode`: arrays come from their blobs (numeric dtypes only, sizes checked)."""
    count = 0
    arrays: dict[int, np.ndarray] = {}

    def load(i: Any) -> np.ndarray:
        if type(i) is not int or not 0 <= i < len(blobs):
            raise ProtocolError("reference to a missing array")
        if i not in arrays:
            arrays[i] = _load_npy(blobs[i], max_array_bytes)
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


def _npy_parts(arr: np.ndarray) -> list[bytes | memoryview]:
    """An array as .npy: a small header and the data itself (no copy when already C-contiguous)."""
    if not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)  # (not for every array: it turns 0-d into 1-d)
    return [_npy_header(arr.dtype, arr.shape), memoryview(arr.reshape(-1).view(np.uint8))]


@functools.lru_cache(maxsize=256)
def _npy_header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    """The .npy 1.0 header of a C-ordered array, kept for the shapes seen last, as on reading."""
    head = io.BytesIO()
    fields = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(head, fields)
    return head.getvalue()


def _pad(n: int, to: int) -> int:
    return -n % to


def frame(
    header: dict[str, Any], arrays: list[np.ndarray], shared: memoryview | None = None
) -> list[bytes | memoryview]:
    """One message as a list of buffers to write in order.

    Array data is not copied here, except into `shared` when given, when the arrays fit in it,
    and when they are large enough for that to beat the pipe.
    """
    text = json.dumps(header, allow_nan=True, separators=(",", ":")).encode()
    blobs = [_npy_parts(a) for a in arrays]
    lengths = [sum(len(p) for p in parts) for parts in blobs]
    chunks: list[bytes | memoryview] = [text, bytes(_pad(len(text), 8))]
    chunks.append(b"".join(_U64.pack(n) for n in lengths))
    head_len = len(text) + _pad(len(text), 8) + 8 * len(blobs)
    in_shared = _blob_offsets(lengths, 0)
    if shared is not None and SHARED_MIN_BYTES <= in_shared[-1] <= len(shared):
        for parts, start in zip(blobs, in_shared, strict=False):
            for part in parts:
                shared[start : start + len(part)] = part
                start += len(part)
        return [_PREFIX.pack(MAGIC, len(text), len(blobs), SHARED, head_len), *chunks]
    for parts, start in zip(blobs, _blob_offsets(lengths, head_len), strict=False):
        chunks.append(bytes(start - sum(len(c) for c in chunks)))
        chunks += parts
    return [_PREFIX.pack(MAGIC, len(text), len(blobs), 0, _blob_offsets(lengths, head_len)[-1]), *chunks]


def _blob_offsets(lengths: list[int], start: int) -> list[int]:
    """Where each blob starts (64-aligned) when laid out from `start`, and where the last one ends."""
    offsets = []
    for n in lengths:
        start += _pad(start, 64)
        offsets.append(start)
        start += n
    return [*offsets, start]


def write_frame(fd: int, chunks: list[bytes | memoryview]) -> None:
    """Write a frame to a blocking fd."""
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]


class FrameReader:
    """Reads frames from a pipe: the fixed prefix, then the body into one buffer of the declared size.

    Declared sizes are checked before anything is allocated, so a peer cannot make the reader
    hold more than `max_message_bytes`; reads never go past the current frame. Blobs sent
    through `shared` are copied out of it.
    """

    def __init__(self, *, max_message_bytes: int, shared: memoryview | None = None) -> None:
        self.max_message_bytes = max_message_bytes
        self.shared = shared
        self._reset()

    def _reset(self) -> None:
        self._prefix = bytearray(_PREFIX.size)
        self._body: bytearray | None = None
        self._filled = 0

    def read_from(self, fd: int) -> int:
        """Read what is available (up to the end of this frame); 0 means end of file."""
        target = self._prefix if self._body is None else self._body
        n = os.readv(fd, [memoryview(target)[self._filled :]])
        self._filled += n
        if self._body is None and self._filled == _PREFIX.size:
            magic, self._json_len, self._n_blobs, self._flags, body_len = _PREFIX.unpack(self._prefix)
            if magic != MAGIC or self._json_len > MAX_JSON_BYTES or self._n_blobs > MAX_BLOBS:
                raise ProtocolError("malformed message frame")
            if body_len > self.max_message_bytes or body_len < self._json_len + 8 * self._n_blobs:
                raise ProtocolError(f"message larger than {self.max_message_bytes / 2**20:.0f} MiB")
            if self._flags & SHARED and self.shared is None:
                raise ProtocolError("malformed message frame")
            self._body, self._filled = bytearray(body_len), 0
        return n

    def next_message(self) -> tuple[dict[str, Any], list[memoryview]] | None:
        """The complete (header, blobs) just read, or None when more bytes are needed."""
        body = self._body
        if body is None or self._filled < len(body):
            return None
        json_len, n_blobs, flags = self._json_len, self._n_blobs, self._flags
        self._reset()
        try:
            header = json.loads(bytes(body[:json_len]))
        except (ValueError, RecursionError):
            raise ProtocolError("malformed message header") from None
        if type(header) is not dict:
            raise ProtocolError("malformed message header")
        table = json_len + _pad(json_len, 8)
        if table + 8 * n_blobs > len(body):  # the prefix's size check does not count the padding
            raise ProtocolError("malformed message frame")
        lengths = [_U64.unpack_from(body, table + 8 * i)[0] for i in range(n_blobs)]
        source = self.shared if flags & SHARED else memoryview(body)
        offsets = _blob_offsets(lengths, 0 if flags & SHARED else table + 8 * n_blobs)
        if offsets[-1] > len(source):
            raise ProtocolError("malformed message frame")
        blobs = [source[start : start + n] for start, n in zip(offsets, lengths, strict=False)]
        if flags & SHARED:  # copy out now: the region is reused, and the peer may write to it at any time
            blobs = [memoryview(bytearray(b)) for b in blobs]
        return header, blobs
