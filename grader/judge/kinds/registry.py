"""The check kinds, one module each, looked up by the `kind` a rubric names.

Every kind is a `CheckKind`: the student's functions its checks call, how a check runs, and what
the student kit must store for a public check of it. Its parameter model is in `grader.judge.rubric`.
"""

from __future__ import annotations

from typing import Any, Protocol

from grader.judge.kinds import (
    cnn_gradient,
    cnn_init,
    fast_agreement,
    fast_speedup,
    initial_loss,
    numeric_gradient,
    reference_match,
    running_average,
    train,
)
from grader.judge.student_calls import CheckContext, Outcome


class CheckKind(Protocol):
    def symbols(self, spec: Any) -> list[str]:
        """The student's functions a check of this kind calls (missing ones: not implemented)."""
        ...

    def run(self, spec: Any, ctx: CheckContext) -> Outcome: ...

    def precompute(self, spec: Any) -> None:
        """Ask every yardstick a public check of this kind will ask (building the student kit)."""
        ...


KINDS: dict[str, CheckKind] = {
    "reference_match": reference_match,
    "numeric_gradient": numeric_gradient,
    "running_average": running_average,
    "fast_agreement": fast_agreement,
    "fast_speedup": fast_speedup,
    "cnn_init": cnn_init,
    "initial_loss": initial_loss,
    "cnn_gradient": cnn_gradient,
    "train": train,
}
