"""The check kinds, one module each, registered here by the `kind` a rubric names.

Every kind module has `symbols(spec) -> list[str]` (the student's functions it needs) and
`run(spec, ctx) -> Outcome`; its parameter model is in `grader.rubric`.
"""

from __future__ import annotations

from types import ModuleType

from grader.checks import (
    cnn_gradient,
    cnn_init,
    fast_agreement,
    fast_speedup,
    initial_loss,
    numeric_gradient,
    reference_match,
    train,
)

KINDS: dict[str, ModuleType] = {
    "reference_match": reference_match,
    "numeric_gradient": numeric_gradient,
    "fast_agreement": fast_agreement,
    "fast_speedup": fast_speedup,
    "cnn_init": cnn_init,
    "initial_loss": initial_loss,
    "cnn_gradient": cnn_gradient,
    "train": train,
}
