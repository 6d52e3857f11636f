"""What every check kind shares: the context it runs in, its outcome, its calls into the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.report import Artifacts, Status


class MalformedResultError(Exception):
    """The student's function returned something of the wrong structure; str() says what."""


@dataclass
class Outcome:
    """A check's verdict before it becomes a CheckResult (grade.py adds ids, points and timing)."""

    status: Status
    fraction: float = 0.0  # of the check's points earned (partial credit for hidden cases)
    metrics: dict[str, float | int | str | bool | None] = field(default_factory=dict)
    threshold: str | None = None
    message: str = ""
    hint: str | None = None
    artifacts: Artifacts | None = None

    @classmethod
    def graded(cls, passed: int, total: int, **fields: Any) -> Outcome:
        """Passed if every case passed, else failed with credit for the cases that did."""
        status = Status.passed if passed == total else Status.failed
        return cls(status=status, fraction=passed / total if total else 0.0, **fields)


class StudentCalls:
    """One check's conversation with the worker: adds up the time spent in student code and
    keeps what the student's code printed."""

    def __init__(self, worker: Any) -> None:
        self.worker = worker
        self.student_time_s = 0.0
        self.outputs: list[str] = []

    def _value(self, reply: Any) -> Any:
        self.student_time_s += reply.duration_s
        if reply.output:
            self.outputs.append(reply.output)
        return reply.value

    def call(self, symbol: str, *args: Any, keep: Any = (), **kwargs: Any) -> Any:
        return self._value(self.worker.call(symbol, *args, keep=keep, **kwargs))

    def call_method(self, handle: Any, name: str, *args: Any, keep: Any = (), **kwargs: Any) -> Any:
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
        return self._value(self.worker.op(name, **kwargs))

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
