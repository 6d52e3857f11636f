"""A student's code answering the checks in the test's own process, without a worker.

`FakeWorker` has the Worker's call surface (call, call_method, get_attr,
set_item, op) over a namespace of plain Python functions, so a check kind can
be run against a correct student, a buggy one, one that returns malformed
values, or one whose worker-side helpers lie — in milliseconds, and with the
exact values the test chose. The ops are the real ones from
`grader.isolate.ops` unless a test replaces them, as a hostile submission
would in the real worker.
"""

from __future__ import annotations

import copy
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grader.isolate import Keep, Limits, ops
from grader.isolate.worker import Reply, StudentFailure
from grader.judge.student_calls import CheckContext, StudentCalls


@dataclass
class Kept:
    """An object that stays 'in the worker' (a model, a cache): the fake's Handle."""

    obj: Any


@dataclass
class FakeWorker:
    namespace: dict[str, Any]
    ops: dict[str, Callable[..., Any]] = field(default_factory=lambda: dict(ops.OPS))
    symbols: dict[str, str] = field(default_factory=dict)
    ro_dirs: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)  # kept, as the real worker's, but not enforced

    def __post_init__(self) -> None:
        self.symbols = {name: "student" for name in self.namespace}

    # the session interface the real ops use
    def resolve(self, symbol: str) -> Any:
        return self.namespace[symbol]

    def _reply(self, fn: Callable[[], Any], keep: Keep = ()) -> Reply:
        """As the real worker answers: what the student's code raises, or a result it cannot keep
        as asked, comes back as a StudentFailure whose text the child wrote."""
        start = time.perf_counter()
        try:
            value = fn()
            if keep is True:
                value = Kept(value)
            elif keep:
                if not isinstance(value, tuple) or max(keep) >= len(value):
                    raise TypeError(f"expected a tuple result, got {type(value).__name__}")
                value = tuple(Kept(v) if i in keep else v for i, v in enumerate(value))
        except Exception:
            raise StudentFailure("error", traceback.format_exc(), origin="student") from None
        elapsed = time.perf_counter() - start
        return Reply(value, "", elapsed, elapsed)

    @staticmethod
    def _unwrap(value: Any) -> Any:
        if isinstance(value, Kept):
            return value.obj
        if isinstance(value, list | tuple):
            return type(value)(FakeWorker._unwrap(v) for v in value)
        if isinstance(value, dict):
            return {k: FakeWorker._unwrap(v) for k, v in value.items()}
        return copy.deepcopy(value)  # the real worker gets its own copies of the arguments

    def call(self, symbol: str, *args: Any, keep: Keep = (), **kwargs: Any) -> Reply:
        fn = self.namespace[symbol]
        args, kwargs = self._unwrap(args), self._unwrap(kwargs)
        return self._reply(lambda: fn(*args, **kwargs), keep)

    def call_method(self, handle: Kept, name: str, *args: Any, keep: Keep = (), **kwargs: Any) -> Reply:
        method = getattr(handle.obj, name)
        args, kwargs = self._unwrap(args), self._unwrap(kwargs)
        return self._reply(lambda: method(*args, **kwargs), keep)

    def get_attr(self, handle: Kept, name: str) -> Reply:
        return self._reply(lambda: getattr(handle.obj, name))

    def set_item(self, handle: Kept, attr: str, key: str, value: Any) -> Reply:
        return self._reply(lambda: getattr(handle.obj, attr).__setitem__(key, self._unwrap(value)))

    def op(self, name: str, /, **kwargs: Any) -> Reply:
        fn = self.ops[name]
        kwargs = self._unwrap(kwargs)
        return self._reply(lambda: fn(self, **kwargs))


def context(namespace: dict[str, Any], *, secret: str | None = None, **worker: Any) -> CheckContext:
    """A CheckContext whose worker is the fake over `namespace` (every name counts as defined)."""
    fake = FakeWorker(namespace, **worker)
    return CheckContext(
        calls=StudentCalls(fake), submission_sha256="0" * 64, secret=secret, defined=frozenset(namespace)
    )


def reference_student() -> dict[str, Any]:
    """A correct student: the reference's own functions under the assignment's names."""
    from reference import layer_utils, layers
    from reference.cnn import ThreeLayerConvNet

    names = ["conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive", "max_pool_backward_naive"]
    student: dict[str, Any] = {name: getattr(layers, name) for name in names}
    for name in [
        "conv_relu_forward",
        "conv_relu_backward",
        "conv_relu_pool_forward",
        "conv_relu_pool_backward",
    ]:
        student[name] = getattr(layer_utils, name)

    student["ThreeLayerConvNet"] = (
        ThreeLayerConvNet  # its dtype argument may be a string, as the grader sends
    )
    return student
