"""Kind `cnn_init`: ThreeLayerConvNet's parameter names, shapes and dtypes for several configs."""

from __future__ import annotations

import numpy as np

from grader.checks import model_io
from grader.checks.base import CheckContext, Outcome
from grader.checks.diagnose import diagnose_shapes
from grader.rubric import CnnInitCheck


def symbols(spec: CnnInitCheck) -> list[str]:
    return [model_io.MODEL]


def run(spec: CnnInitCheck, ctx: CheckContext) -> Outcome:
    problems: list[str] = []
    hint = None
    passed = 0
    for number, config in enumerate(spec.params.configs, start=1):
        model = model_io.build(ctx.calls, config, seed=number)
        params = ctx.calls.get_attr(model, "params")
        label = f"config {number} ({config.model_dump(exclude_defaults=True) or 'defaults'})"
        if not isinstance(params, dict):
            problems.append(f"{label}: model.params is a {type(params).__name__}, not a dict")
            continue
        expected = model_io.expected_shapes(config)
        wrong = []
        if set(params) != set(expected):
            wrong.append(f"params are {sorted(params)}, expected {sorted(expected)}")
        for name, shape in expected.items():
            value = params.get(name)
            if not isinstance(value, np.ndarray):
                continue
            if value.shape != shape:
                wrong.append(f"{name} has shape {value.shape}, expected {shape}")
            elif value.dtype != np.dtype(config.dtype):
                wrong.append(f"{name} has dtype {value.dtype}, expected {config.dtype}")
        if wrong:
            problems.append(f"{label}: " + "; ".join(wrong))
            shapes = {k: v.shape for k, v in params.items() if isinstance(v, np.ndarray)}
            hint = hint or diagnose_shapes(config.input_dim, config.num_filters, config.hidden_dim, shapes)
        else:
            passed += 1
    total = len(spec.params.configs)
    return Outcome.graded(
        passed,
        total,
        metrics={"configs": total, "configs_passed": passed},
        threshold="W1 (F,C,HH,WW), b1 (F,), W2 (F*H/2*W/2, hidden), b2, W3 (hidden, classes), b3; dtype",
        message="\n".join(problems),
        hint=hint,
    )
