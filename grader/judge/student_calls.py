"""What every check kind shares: the context it runs in (and the student kit's, in which it
precomputes), its outcome, its calls into the worker."""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.isolate import Keep, Reply, StudentFailure, WorkerLike
from grader.report.models import Artifacts, Figure, Status


class MalformedResultError(Exception):
    """The student's function returned something of the wrong structure; str() says what."""


@dataclass
class Outcome:
    """A check's verdict before it becomes a CheckResult (grade.py adds ids, points and timing)."""

    status: Status
    fraction: float = 0.0  # of the check's points earned (partial credit for hidden cases)
    metrics: dict[str, float | int | str | bool | None] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)  # the few metrics a view shows, as it shows them
    threshold: str | None = None
    message: str = ""
    hint: str | None = None
    artifacts: Artifacts | None = None
    # False: the check does not apply to this submission (e.g. it times fast layers the submission
    # did not write): it is skipped and carries no points, earned or lost.
    applies: bool = True

    @classmethod
    def graded(cls, passed: int, total: int, **fields: Any) -> Outcome:
        """Passed if every case passed, else failed with credit for the cases that did."""
        status = Status.passed if passed == total else Status.failed
        return cls(status=status, fraction=passed / total if total else 0.0, **fields)


def cases_figure(passed: int, total: int) -> list[Figure]:
    """`6/8 cases` for a check over several cases (of one case its status says all)."""
    return [Figure(name="cases", value=passed, threshold=total, unit="cases")] if total > 1 else []


class StudentCalls:
    """One check's conversation with the worker: adds up the time spent in student code (by the
    grader's clock), keeps what the student's code printed, and remembers which of the student's
    functions it called last (the one to blame when a call times out)."""

    def __init__(self, worker: WorkerLike) -> None:
        self.worker = worker
        self.student_time_s = 0.0
        self.outputs: list[str] = []
        self.current = ""  # the student's function (or model method) being called
        self.current_shapes: list[tuple[int, ...]] = []  # of its array arguments

    def _value(self, reply: Reply) -> Any:
        self.student_time_s += reply.wall_s
        if reply.output:
            self.outputs.append(reply.output)
        return reply.value

    def call(self, symbol: str, *args: Any, keep: Keep = (), **kwargs: Any) -> Any:
        return self.call_timed(symbol, *args, keep=keep, **kwargs)[0]

    def call_timed(self, symbol: str, *args: Any, keep: Keep = (), **kwargs: Any) -> tuple[Any, float]:
        """(value, seconds): the round trip of one call as the grader's own clock measured it."""
        self._calling(symbol, args)
        reply = self.worker.call(symbol, *args, keep=keep, **kwargs)
        return self._value(reply), reply.wall_s

    def call_method(self, handle: Any, name: str, *args: Any, keep: Keep = (), **kwargs: Any) -> Any:
        self._calling(f"ThreeLayerConvNet.{name}", args)
        reply = self.worker.call_method(handle, name, *args, keep=keep, **kwargs)
        return self._value(reply)

    def get_attr(self, handle: Any, name: str) -> Any:
        return self._value(self.worker.get_attr(handle, name))

    def set_item(self, handle: Any, attr: str, key: str, value: Any) -> None:
        self._value(self.worker.set_item(handle, attr, key, value))

    def seed(self, seed: int) -> None:
        """Seed the worker's global numpy RNG (the student's init and the Solver draw from it)."""
        self.op("seed", value=seed)

    def op(self, name: str, /, **kwargs: Any) -> Any:
        """A helper in the worker. Its result is the student's claim like any other value."""
        symbol = kwargs.get("symbol")
        if isinstance(symbol, str):
            self._calling(symbol, kwargs.get("args", ()))
        elif "model" in kwargs:
            self._calling("ThreeLayerConvNet.loss", [kwargs.get("X")])
        return self._value(self.worker.op(name, **kwargs))

    def _calling(self, function: str, args: Iterable[object]) -> None:
        self.current = function
        self.current_shapes = [a.shape for a in args if isinstance(a, np.ndarray)]

    @property
    def output(self) -> str:
        return "".join(self.outputs)


@dataclass(frozen=True)
class CheckContext:
    calls: StudentCalls
    submission_sha256: str
    secret: str | None  # None: hidden checks are not run
    defined: frozenset[str]  # symbols the submission itself defines (the starter's fast layers are not)
    data_dir: Path | None = None  # .npy files of the training dataset (readable by the worker)
    dataset: str = "builtin"  # "builtin" or "cifar10:<path>"
    cache_dir: Path | None = None  # where the reference training runs are cached


@dataclass(frozen=True)
class KitContext:
    """What a kind's `precompute` may read while the student kit is built (no worker, no secret)."""

    cache_dir: Path  # where the reference training runs are cached
    data_dir: Path | None  # the built-in training dataset; None: the rubric has no public training check


def failure_message(failure: StudentFailure, calls: StudentCalls, *, hidden: bool) -> str:
    """What a report says about a call that raised, crashed or hung.

    A timeout names the function (and, in a public check, its inputs' shapes). In a hidden check
    nothing the student's process wrote is shown (a traceback or an exception's text could carry
    the hidden inputs out): only the name of a built-in exception type, or what the grader itself
    observed.
    """
    function = calls.current
    if failure.status == "timeout":
        shapes = ", ".join(str(s) for s in calls.current_shapes)
        inputs = f" (inputs of shape {shapes})" if shapes and not hidden else ""
        return f"{function or 'the code'}: {failure.message}{inputs}"
    if not hidden:
        return failure.message
    if failure.origin == "grader":
        first = failure.message.strip().splitlines()[0] if failure.message.strip() else "failed"
        # Limits and signals are the grader's own words; a protocol error may quote the reply.
        return first if first.startswith(("killed", "crashed", "the worker exited")) else first.split(": ")[0]
    return f"{function or 'the code'} raised {_builtin_exception(failure.message)}"


def _builtin_exception(traceback_text: str) -> str:
    """'NameError' from a traceback's last line, if it names a built-in exception type."""
    lines = [line for line in traceback_text.strip().splitlines() if line.strip()]
    match = re.match(r"([A-Za-z_]\w*)(:|$)", lines[-1]) if lines else None
    name = match.group(1) if match else ""
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, BaseException):
        return name
    return "an exception"
