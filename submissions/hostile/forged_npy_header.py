"""Sends the grader a well-framed reply whose array has a broken .npy header (an unclosed
bracket, which numpy's header reader chokes on), through every descriptor it can write."""

import json
import os
import struct


def _broken_array_reply():
    header = json.dumps({"ok": True, "value": {"t": [{"a": 0}, None]}, "duration_s": 0.1}).encode()
    header += b" " * (-len(header) % 8)
    npy_dict = b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,"
    npy_dict += b" " * (-(10 + len(npy_dict) + 1) % 64) + b"\n"
    blob = b"\x93NUMPY\x01\x00" + len(npy_dict).to_bytes(2, "little") + npy_dict + bytes(24)
    table = struct.pack("<Q", len(blob))
    body = header + table
    body += bytes(-len(body) % 64) + blob
    return struct.pack("<4sIIIQ", b"CNG1", len(header), 1, 0, len(body)) + body


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    reply = _broken_array_reply()
    for fd in range(3, 64):
        try:
            os.write(fd, reply)
        except OSError:
            pass
    os._exit(0)
