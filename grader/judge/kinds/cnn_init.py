"""Kind `cnn_init`: ThreeLayerConvNet's parameters as the constructor leaves them, for several configs.

Every parameter must be there, a finite array of the assignment's shape and the
config's dtype; the weights must be drawn at the config's `weight_scale` (their
spread within a generous factor of it) and the biases must start at zero.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from grader.judge import claims, model_io, probes
from grader.judge.check_models import CheckBase, ModelConfig, Strict
from grader.judge.diagnose import diagnose_shapes
from grader.judge.student_calls import CheckContext, KitContext, MalformedResultError, Outcome


class CnnInitParams(Strict):
    configs: list[ModelConfig] = Field(min_length=1)
    # Weights' std must lie within this factor of weight_scale (generous: a few entries, one draw).
    spread_factor: float = Field(default=4.0, gt=1)


class CnnInitCheck(CheckBase):
    kind: Literal["cnn_init"]
    params: CnnInitParams


CHECK = CnnInitCheck  # the rubric entry this kind runs


def symbols(spec: CnnInitCheck) -> list[str]:
    return [model_io.MODEL]


def precompute(spec: CnnInitCheck, kit: KitContext) -> None:
    """Nothing: it judges the student's own weights against the config alone."""


def run(spec: CnnInitCheck, ctx: CheckContext) -> Outcome:
    problems: list[str] = []
    hint = None
    passed = 0
    for number, config in enumerate(spec.params.configs, start=1):
        label = f"config {number} ({config.model_dump(exclude_defaults=True) or 'defaults'})"
        raw = ctx.calls.get_attr(model_io.build(ctx.calls, config, seed=number), "params")
        try:
            params = claims.arrays(
                raw, "model.params", probes.param_shapes(config), dtype=config.dtype, exact_keys=True
            )
        except MalformedResultError as exc:
            problems.append(f"{label}: {exc}")
            if isinstance(raw, dict):
                shapes = {k: v.shape for k, v in raw.items() if isinstance(v, np.ndarray)}
                hint = hint or diagnose_shapes(
                    config.input_dim,
                    config.num_filters,
                    config.hidden_dim,
                    shapes,
                    filter_size=config.filter_size,
                )
            continue
        wrong = _initial_values(params, config, spec.params.spread_factor)
        if wrong:
            problems.append(f"{label}: " + "; ".join(wrong))
        else:
            passed += 1
    total = len(spec.params.configs)
    return Outcome.graded(
        passed,
        total,
        metrics={"configs": total, "configs_passed": passed},
        threshold=(
            "W1 (F,C,HH,WW), b1 (F,), W2 (F*H/2*W/2, hidden), b2, W3 (hidden, classes), b3; dtype; "
            f"weights' std within {spec.params.spread_factor:g}x of weight_scale; biases zero"
        ),
        message="\n".join(problems),
        hint=hint,
    )


def _initial_values(params: dict[str, np.ndarray], config: ModelConfig, factor: float) -> list[str]:
    wrong = []
    for name, value in params.items():
        if name.startswith("b"):
            if np.any(value != 0):
                wrong.append(f"{name} should start at zero")
            continue
        spread = float(np.std(value.astype(np.float64)))
        if not config.weight_scale / factor <= spread <= config.weight_scale * factor:
            wrong.append(
                f"{name} has std {spread:.2g}, expected about weight_scale = {config.weight_scale:g}"
            )
    return wrong
