"""The worker's side: runs inside the sandbox, imports the student's code and answers requests.

This file, `protocol.py` and `ops.py` are copied into a private directory as the
package `cnngrade_worker` and started with ``python -I -S -B`` (no site-packages
scan, no environment variables, no bytecode writes); see `isolation.py` for the
command line. Everything here needs only the standard library and numpy. The
parent trusts nothing this process sends: the student's code runs in this
process and may have changed any of it by the time a reply is written.

Requests (one frame each; the header's "kind" says which):

- ``call``        symbol, payload = (args, kwargs), keep
- ``call_method`` ref, name, payload = (args, kwargs), keep
- ``get_attr``    ref, name
- ``set_item``    ref, attr, key, payload = value
- ``op``          name, payload = kwargs          (see ops.py)

Replies: ``{"ok": true, "value": ..., "duration_s": t}`` or
``{"ok": false, "error": "<last lines of the traceback>"}``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import mmap
import os
import sys
import time
import traceback
from typing import Any

import numpy as np

from . import compat, ops
from .protocol import FrameReader, ProtocolError, Ref, decode, encode, frame, write_frame

TRACEBACK_LINES = 20
_WORKER_DIR = os.path.dirname(os.path.abspath(__file__))
_STUDENT_ROOT = ""  # the submission's tree, set by main; shortens paths in tracebacks
PR_SET_PDEATHSIG = 1


class StudentError(Exception):
    """The student's code raised, exited, or returned something that cannot cross."""


class Session:
    """State of one worker: the objects kept behind refs and the symbol table."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.symbols: dict[str, str] = config["symbols"]
        self.ro_dirs: list[str] = config["ro_dirs"]
        self.max_array_bytes: int = config["max_array_bytes"]
        self.root: str = config["root"]
        self.objects: dict[int, Any] = {}
        self.clock = time.perf_counter  # taken before any student code can replace it

    def resolve(self, symbol: str) -> Any:
        module = self.symbols.get(symbol)
        if module is None:
            raise StudentError(f"the submission does not define {symbol}")
        return getattr(importlib.import_module(module), symbol)

    def deref(self, value: Any) -> Any:
        """Replace Refs (anywhere in args) with the objects they name."""
        if isinstance(value, Ref):
            if value.id not in self.objects:
                raise StudentError(f"no object #{value.id} in this worker")
            return self.objects[value.id]
        if isinstance(value, list):
            return [self.deref(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.deref(v) for v in value)
        if isinstance(value, dict):
            return {k: self.deref(v) for k, v in value.items()}
        return value

    def keep(self, obj: Any) -> Ref:
        ref = Ref(len(self.objects) + 1)
        self.objects[ref.id] = obj
        return ref

    def apply_keep(self, result: Any, keep: Any) -> Any:
        if keep is True:
            return self.keep(result)
        if not keep:
            return result
        if not isinstance(result, tuple):
            raise StudentError(f"expected a tuple result, got {type(result).__name__}")
        if max(keep) >= len(result):
            raise StudentError(f"expected a tuple of at least {max(keep) + 1} items, got {len(result)}")
        return tuple(self.keep(v) if i in keep else v for i, v in enumerate(result))

    def timed(self, fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
        start = self.clock()
        result = fn(*args, **kwargs)
        return result, self.clock() - start

    def handle(self, header: dict[str, Any], payload: Any) -> tuple[Any, float]:
        kind = header["kind"]
        if kind == "call":
            args, kwargs = self.deref(payload)
            result, dt = self.timed(self.resolve(header["symbol"]), *args, **kwargs)
            return self.apply_keep(result, header.get("keep")), dt
        if kind == "call_method":
            args, kwargs = self.deref(payload)
            method = getattr(self.deref(Ref(header["ref"])), header["name"])
            result, dt = self.timed(method, *args, **kwargs)
            return self.apply_keep(result, header.get("keep")), dt
        if kind == "get_attr":
            return self.timed(getattr, self.deref(Ref(header["ref"])), header["name"])
        if kind == "set_item":
            container = getattr(self.deref(Ref(header["ref"])), header["attr"])
            _, dt = self.timed(container.__setitem__, header["key"], self.deref(payload))
            return None, dt
        if kind == "op":
            fn = ops.OPS.get(header["name"])
            if fn is None:
                raise ValueError(f"unknown op {header['name']!r}")
            start = self.clock()
            result = fn(self, **self.deref(payload))
            return result, self.clock() - start
        raise ValueError(f"unknown request kind {kind!r}")


def describe(exc: BaseException) -> str:
    """The exception line first, then the traceback trimmed to the student's frames (the worker's
    own frames and importlib's say nothing to a student), with paths relative to the submission.
    Robust to exceptions whose __str__ misbehaves."""
    if isinstance(exc, SystemExit):
        return f"the code called sys.exit({exc.code!r})"
    try:
        summary = "".join(traceback.format_exception_only(exc)).strip() or type(exc).__name__
        if isinstance(exc, StudentError):  # the worker's own words, not a traceback
            return str(exc)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _grader_frame(f.filename)]
        shown = [_relative(line).rstrip() for line in traceback.format_list(frames)]
        shown = "\n".join(shown).splitlines()[-(TRACEBACK_LINES - 2) :]
        header = ["Traceback (most recent call last, the submission's frames):"] if shown else []
        return "\n".join([summary, *header, *shown])
    except BaseException:
        return f"{type(exc).__name__} (its message could not be printed)"


def _grader_frame(filename: str) -> bool:
    return os.path.dirname(os.path.abspath(filename)) == _WORKER_DIR or filename.startswith("<frozen ")


def _relative(text: str) -> str:
    return text.replace(_STUDENT_ROOT + os.sep, "") if _STUDENT_ROOT else text


def flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(BaseException):
            stream.flush()


def serve(
    fd_in: int, fd_out: int, session: Session, max_message_bytes: int, shared: memoryview | None
) -> None:
    reader = FrameReader(max_message_bytes=max_message_bytes, shared=shared)
    limit = session.max_array_bytes
    server = os.getpid()
    while True:
        message = reader.next_message()
        if message is None:
            if not reader.read_from(fd_in):
                return  # the parent closed the pipe: done
            continue
        header, blobs = message
        payload = decode(header.get("payload"), blobs, max_array_bytes=limit)
        try:
            value, duration = session.handle(header, payload)
            tree, out_blobs = encode(value, max_array_bytes=limit)
            reply = {"ok": True, "value": tree, "duration_s": duration}
        except ProtocolError as e:
            reply, out_blobs = {"ok": False, "error": f"the result cannot be sent to the grader: {e}"}, []
        except BaseException as e:  # the student's code may raise anything, SystemExit included
            reply, out_blobs = {"ok": False, "error": describe(e)}, []
        if os.getpid() != server:
            # A process the student forked came back out of their code: only the server may speak
            # on the pipe, a second reply would garble the first.
            os._exit(0)
        flush_output()
        write_frame(fd_out, frame(reply, out_blobs, shared))


def die_with_parent() -> None:
    """Linux: be killed when the process that started this one dies.

    That parent is a keeper (bwrap's init, unshare's shell, the process level's shell) which dies
    with the grader; without this, a worker busy in student code would spin on as an orphan.
    """
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def main(config_json: str) -> None:
    config = json.loads(config_json)
    if not config.get("portable"):
        die_with_parent()
    os.chdir(config["scratch"])
    session = Session(config)
    compat.install(config["root"])  # what older course years' code relied on, before any of it runs
    global _STUDENT_ROOT
    _STUDENT_ROOT = os.path.abspath(config["root"])
    sys.path.insert(0, config["root"])  # the submission's tree comes first, after numpy is imported
    sys.argv = ["worker"]
    hello = {"ok": True, "pid": os.getpid(), "uid": os.getuid(), "numpy": np.__version__}
    write_frame(config["fd_out"], frame(hello, []))
    shared = None  # the portable level has no shared region: everything crosses through the pipes
    if config["fd_shared"] is not None:
        shared = memoryview(mmap.mmap(config["fd_shared"], config["shared_bytes"]))
        os.close(config["fd_shared"])
    serve(config["fd_in"], config["fd_out"], session, config["max_message_bytes"], shared)
