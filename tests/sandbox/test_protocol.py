"""The wire format on its own: round trips, and what a hostile peer cannot make the reader do."""

from __future__ import annotations

import io
import os
import struct

import numpy as np
import pytest

from grader.isolate.protocol import MAGIC, FrameReader, ProtocolError, Ref, decode, encode, frame, write_frame

LIMIT = 1 << 20


def roundtrip(value, max_array_bytes=LIMIT):
    tree, arrays = encode(value, max_array_bytes=max_array_bytes)
    r, w = os.pipe()
    try:
        write_frame(w, frame({"value": tree}, arrays))
        reader = FrameReader(max_message_bytes=4 * LIMIT)
        while (message := reader.next_message()) is None:
            assert reader.read_from(r) > 0
    finally:
        os.close(r)
        os.close(w)
    header, blobs = message
    return decode(header["value"], blobs, max_array_bytes=max_array_bytes)


def test_plain_values_round_trip_with_tuples_kept_apart_from_lists():
    value = {"a": (1, [2.5, None], "s"), "b": [True, (), {"c": float("nan")}], "r": Ref(7)}
    back = roundtrip(value)
    assert back["a"] == (1, [2.5, None], "s") and isinstance(back["a"], tuple)
    assert back["b"][:2] == [True, ()] and np.isnan(back["b"][2]["c"])
    assert back["r"] == Ref(7)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "uint8", "bool", ">f8"])
def test_numeric_arrays_round_trip_exactly(dtype):
    x = (np.random.default_rng(0).standard_normal((3, 4, 5)) * 10).astype(dtype)
    views = [x, x[:, ::2].T, np.asfortranarray(x), np.array(x[0, 0, 0])]  # last: 0-d
    for original, back in zip(views, roundtrip(views), strict=True):
        assert back.dtype == original.dtype and back.shape == np.shape(original)
        np.testing.assert_array_equal(back, original)


def test_numpy_scalars_become_python_numbers():
    back = roundtrip([np.float64(1.5), np.int32(3), np.bool_(True)])
    assert back == [1.5, 3, True] and [type(v) for v in back] == [float, int, bool]


@pytest.mark.parametrize(
    "value, message",
    [
        (np.array([object()], dtype=object), "dtype object"),
        (np.zeros(2, dtype=complex), "dtype complex128"),
        (np.zeros(2, dtype=[("a", "f8")]), "numeric dtypes only"),
        (np.broadcast_to(np.zeros(1), (10**6, 10**6)), "larger than"),
        ({1: 2}, "dict keys must be strings"),
        ({1, 2}, "type builtins.set"),
        (b"\x80\x04pickle", "type builtins.bytes"),
        (1j, "type builtins.complex"),
    ],
)
def test_values_that_may_not_cross_are_refused_with_a_reason(value, message):
    with pytest.raises(ProtocolError, match=message):
        encode(value, max_array_bytes=LIMIT)


def test_nesting_is_capped():
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ProtocolError, match="nested deeper"):
        encode(deep, max_array_bytes=LIMIT)


def npy_bytes(arr, *, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return memoryview(bytearray(buf.getvalue()))


def test_a_pickled_object_array_blob_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "unpickled"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    blob = npy_bytes(np.array([Exploit()], dtype=object), allow_pickle=True)
    with pytest.raises(ProtocolError, match="dtype object"):
        decode({"a": 0}, [blob], max_array_bytes=LIMIT)
    assert not marker.exists()


def test_an_array_whose_data_does_not_match_its_header_is_refused():
    blob = npy_bytes(np.zeros(100))
    with pytest.raises(ProtocolError, match="does not match"):
        decode({"a": 0}, [blob[:-8]], max_array_bytes=LIMIT)
    with pytest.raises(ProtocolError, match="malformed"):
        decode({"a": 0}, [memoryview(bytearray(b"not an npy file at all"))], max_array_bytes=LIMIT)


@pytest.mark.parametrize("tree", [{"x": 1}, {"a": 3}, [1, 2], {"l": "no"}, {"t": [1], "d": {}}])
def test_malformed_trees_are_refused(tree):
    with pytest.raises(ProtocolError):
        decode(tree, [], max_array_bytes=LIMIT)


def test_a_declared_size_over_the_cap_is_refused_before_allocating():
    r, w = os.pipe()
    try:
        os.write(w, struct.pack("<4sIIIQ", MAGIC, 2, 0, 0, 1 << 40))
        reader = FrameReader(max_message_bytes=LIMIT)
        with pytest.raises(ProtocolError, match="larger than"):
            reader.read_from(r)
        os.write(w, struct.pack("<4sIIIQ", b"PKL\x80", 2, 0, 0, 2))
        with pytest.raises(ProtocolError, match="malformed"):
            FrameReader(max_message_bytes=LIMIT).read_from(r)
    finally:
        os.close(r)
        os.close(w)


def test_large_arrays_go_through_the_shared_region_and_are_copied_out_on_arrival():
    shared = memoryview(bytearray(8 << 20))
    x = np.random.default_rng(2).standard_normal((100, 3, 32, 32))
    tree, arrays = encode([x, np.arange(3)], max_array_bytes=16 << 20)
    chunks = frame({"value": tree}, arrays, shared)
    assert sum(len(memoryview(c).cast("B")) for c in chunks) < 1024  # only the header went by pipe
    r, w = os.pipe()
    try:
        write_frame(w, chunks)
        reader = FrameReader(max_message_bytes=1 << 20, shared=shared)
        while (message := reader.next_message()) is None:
            reader.read_from(r)
    finally:
        os.close(r)
        os.close(w)
    header, blobs = message
    shared[:] = bytes(len(shared))  # the peer scribbles over the region afterwards
    back = decode(header["value"], blobs, max_array_bytes=16 << 20)
    np.testing.assert_array_equal(back[0], x)
    np.testing.assert_array_equal(back[1], np.arange(3))


def test_a_shared_frame_is_refused_without_a_region_or_beyond_its_end():
    chunks = frame({}, [np.zeros(1 << 16)], memoryview(bytearray(1 << 20)))
    data = b"".join(bytes(c) for c in chunks)
    for reader in (
        FrameReader(max_message_bytes=1 << 20),
        FrameReader(max_message_bytes=1 << 20, shared=memoryview(bytearray(1024))),
    ):
        r, w = os.pipe()
        try:
            os.write(w, data)
            with pytest.raises(ProtocolError, match="malformed"):
                while reader.next_message() is None:
                    reader.read_from(r)
        finally:
            os.close(r)
            os.close(w)


def npy_with_header(text: bytes) -> memoryview:
    """A version 1.0 .npy blob whose header dict is exactly `text` (padded as numpy pads it)."""
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return memoryview(bytearray(b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + bytes(24)))


@pytest.mark.parametrize(
    "text",
    [
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,",  # numpy's tokenizer: TokenError
        b"{'descr': '<f8', 'fortran_order': False, 'shape': " + b"(" * 5000 + b")" * 5000 + b"}",
        b"[1, 2, 3]",
        b"{'descr': {'x': 1}, 'fortran_order': False, 'shape': (3,)}",
        b"\xff\xfe not text",
    ],
)
def test_any_malformed_npy_header_is_a_protocol_error_never_another_exception(text):
    with pytest.raises(ProtocolError, match="malformed"):
        decode({"a": 0}, [npy_with_header(text)], max_array_bytes=LIMIT)


def test_a_frame_too_short_for_its_padded_blob_table_is_refused():
    r, w = os.pipe()
    try:  # json_len 2 pads to 8, so one blob length needs 16 bytes of body; 10 are declared
        os.write(w, struct.pack("<4sIIIQ", MAGIC, 2, 1, 0, 10) + b"{}" + bytes(8))
        reader = FrameReader(max_message_bytes=LIMIT)
        while reader.next_message() is None and reader.read_from(r):
            pass
    except ProtocolError as e:
        assert "malformed" in str(e)
    else:
        raise AssertionError("the frame was accepted")
    finally:
        os.close(r)
        os.close(w)
