"""The check kinds, one module each, and the lookup of the kind that runs a rubric check.

Every kind is a `CheckKind` over its own check model: the rubric entry it runs (`CHECK`, with its
parameter model, both in the kind's module), the student's functions its checks call, how a check
runs, and what the student kit must store for a public check of it. The rubric's union of checks
(`grader.judge.rubric.CheckSpec`) is made of the `CHECK`s of `KINDS`, in this order.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, runtime_checkable

from grader.judge.check_models import CheckBase
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
from grader.judge.student_calls import CheckContext, KitContext, Outcome

Check = TypeVar("Check", bound=CheckBase)


@runtime_checkable
class CheckKind(Protocol[Check]):
    CHECK: type[Check]  # the rubric entry: `kind: Literal[<its name>]` and `params`

    def symbols(self, spec: Check) -> list[str]:
        """The student's functions a check of this kind calls (missing ones: not implemented)."""
        ...

    def run(self, spec: Check, ctx: CheckContext) -> Outcome: ...

    def precompute(self, spec: Check, kit: KitContext) -> None:
        """Ask every yardstick a public check of this kind will ask (building the student kit)."""
        ...


# Each module is its kind (a module satisfies a Protocol with its top-level names). The values are
# of several check models, so the tuple can say no more than `Any`; `kind_of` gives it back.
KINDS: tuple[CheckKind[Any], ...] = (
    reference_match,
    numeric_gradient,
    running_average,
    fast_agreement,
    fast_speedup,
    cnn_init,
    initial_loss,
    cnn_gradient,
    train,
)
_BY_CHECK: dict[type[CheckBase], CheckKind[Any]] = {kind.CHECK: kind for kind in KINDS}


def kind_of(spec: Check) -> CheckKind[Check]:
    """The kind that runs `spec`, typed by the check model it takes."""
    return _BY_CHECK[type(spec)]
