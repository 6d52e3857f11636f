"""The layers a rubric can grade, each declared once.

A `LayerSpec` says everything the check kinds, the diagnosis and the student kit need to know about
one layer of the assignment: the student's function names, what the backward returns and which
forward argument each output is the gradient of, the notebook's cases and how hidden ones are
drawn, the reference functions that answer them, the notebook's printed figures, the layer's fast
twin, and the known bugs written as variants of the reference. A rubric naming a layer that is not
here, or asking a layer for something it does not declare (hidden cases of a sandwich, running
averages of group norm), is refused when it loads.

Adding a layer: its reference functions (reference/), a case class and case makers
(grader/judge/layers/cases.py) if no existing one fits, one `LayerSpec` below, and rubric entries.

Pure declarations: numpy, the reference and the case makers; nothing here calls student code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.judge.layers import cases, norm_variants
from grader.judge.layers.cases import Case
from reference import fast_layers, layer_utils, layers, notebook_cases

Forward = Callable[..., tuple[Any, Any]]
Backward = Callable[[np.ndarray, Any], Any]


@dataclass(frozen=True)
class LayerSpec:
    name: str
    forward: str  # the student's function names
    backward: str
    grads: tuple[str, ...]  # the backward's outputs in order; grads[i] is d out / d forward arg i
    # The answer key, run in float64 by the grader: forward(*case.args()), backward(dout, cache).
    reference: tuple[Forward, Backward]
    public: Mapping[str, Callable[[], Case]] = field(default_factory=dict)  # direction -> notebook case
    hidden: Callable[[np.random.Generator, int], list[Case]] | None = None
    published_forward: np.ndarray | None = None  # what the notebook prints for its forward case
    fast: str | None = None  # the layer's fast twin in this registry
    fast_case: Callable[[int], Case] | None = None  # the notebook's fast-layer input, N samples
    running_averages: bool = False  # train mode writes running_mean / running_var into its param
    # Known bugs as reference variants (bug id -> variant of the forward or backward), and the hint
    # for each. conv and max pool have a probe-based diagnosis of their own (grader/judge/diagnose.py).
    bugs: Mapping[str, Mapping[str, Callable[..., Any]]] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)
    # A backward bug's own forward, where the bug is in both passes (else the reference's forward).
    bug_forwards: Mapping[str, Forward] = field(default_factory=dict)
    # The notebook's own printout of a forward's output, beside the relative error.
    figures: Callable[[np.ndarray], str] | None = None

    def symbols(self, direction: str) -> list[str]:
        """The student's functions a check in this direction calls."""
        return [self.forward] if direction == "forward" else [self.forward, self.backward]


def _channel_figures(out: np.ndarray) -> str:
    """The notebook's 'means' and 'stds' lines, per channel over N, H and W."""
    means = out.mean(axis=(0, 2, 3))
    stds = out.std(axis=(0, 2, 3))
    return f"  means: {np.array2string(means, precision=6)}\n  stds:  {np.array2string(stds, precision=6)}"


def _group_figures(out: np.ndarray) -> str:
    """The group norm cell's figures: per (sample, group) of G = notebook_cases.GROUPNORM_G."""
    grouped = out.reshape(out.shape[0] * notebook_cases.GROUPNORM_G, -1)
    means, stds = grouped.mean(axis=1), grouped.std(axis=1)
    return f"  means: {np.array2string(means, precision=6)}\n  stds:  {np.array2string(stds, precision=6)}"


def _variants(function: str) -> dict[str, Callable[..., Any]]:
    return {bug: variant for bug, (target, variant) in norm_variants.VARIANTS.items() if target == function}


LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            name="conv",
            forward="conv_forward_naive",
            backward="conv_backward_naive",
            grads=("dx", "dw", "db"),
            reference=(layers.conv_forward_naive, layers.conv_backward_naive),
            public={"forward": cases.conv_forward_public, "backward": cases.conv_backward_public},
            hidden=cases.conv_hidden,
            published_forward=notebook_cases.CONV_FORWARD_OUT,
            fast="conv_fast",
            fast_case=cases.fast_conv_case,
        ),
        LayerSpec(
            name="max_pool",
            forward="max_pool_forward_naive",
            backward="max_pool_backward_naive",
            grads=("dx",),
            reference=(layers.max_pool_forward_naive, layers.max_pool_backward_naive),
            public={"forward": cases.max_pool_forward_public, "backward": cases.max_pool_backward_public},
            hidden=cases.pool_hidden,
            published_forward=notebook_cases.MAX_POOL_FORWARD_OUT,
            fast="max_pool_fast",
            fast_case=cases.fast_pool_case,
        ),
        LayerSpec(
            name="conv_relu",
            forward="conv_relu_forward",
            backward="conv_relu_backward",
            grads=("dx", "dw", "db"),
            reference=(layer_utils.conv_relu_forward, layer_utils.conv_relu_backward),
            public={"backward": lambda: cases.sandwich_public(pool=False)},
        ),
        LayerSpec(
            name="conv_relu_pool",
            forward="conv_relu_pool_forward",
            backward="conv_relu_pool_backward",
            grads=("dx", "dw", "db"),
            reference=(layer_utils.conv_relu_pool_forward, layer_utils.conv_relu_pool_backward),
            public={"backward": lambda: cases.sandwich_public(pool=True)},
        ),
        LayerSpec(
            name="conv_fast",
            forward="conv_forward_fast",
            backward="conv_backward_fast",
            grads=("dx", "dw", "db"),
            reference=(fast_layers.conv_forward_fast, fast_layers.conv_backward_fast),
        ),
        LayerSpec(
            name="max_pool_fast",
            forward="max_pool_forward_fast",
            backward="max_pool_backward_fast",
            grads=("dx",),
            reference=(fast_layers.max_pool_forward_fast, fast_layers.max_pool_backward_fast),
        ),
        LayerSpec(
            name="spatial_batchnorm",
            forward="spatial_batchnorm_forward",
            backward="spatial_batchnorm_backward",
            grads=("dx", "dgamma", "dbeta"),
            reference=(layers.spatial_batchnorm_forward, layers.spatial_batchnorm_backward),
            public={
                "forward": cases.spatial_batchnorm_forward_public,
                "backward": cases.spatial_batchnorm_backward_public,
            },
            hidden=cases.spatial_batchnorm_hidden,
            running_averages=True,
            bug_forwards={"spatial_bn_no_transpose_backward": norm_variants.spatial_bn_forward_no_transpose},
            bugs={
                "forward": _variants("spatial_batchnorm_forward"),
                "backward": _variants("spatial_batchnorm_backward"),
            },
            hints={
                "spatial_bn_no_transpose": "x.reshape(-1, C) without moving channels last mixes the "
                "channels: transpose x to (N, H, W, C) first, then reshape to (N*H*W, C), and undo "
                "both on the way back",
                "spatial_bn_no_transpose_backward": "dout.reshape(-1, C) without moving channels last: "
                "transpose dout to (N, H, W, C) before reshaping, as the forward must",
                "spatial_bn_running_not_stored": "the running mean and variance are not written back "
                "into bn_param: store bn_param['running_mean'] and bn_param['running_var'] in train mode",
                "spatial_bn_unbiased_var": "the variance is the unbiased one (ddof=1): batch "
                "normalization divides by N*H*W, np.var's default",
                "spatial_bn_constant_stats": "the backward treats the mean and the variance as "
                "constants (dx = dout * gamma / std): both depend on x, and their gradients add two terms",
            },
            figures=_channel_figures,
        ),
        LayerSpec(
            name="spatial_groupnorm",
            forward="spatial_groupnorm_forward",
            backward="spatial_groupnorm_backward",
            grads=("dx", "dgamma", "dbeta"),
            reference=(layers.spatial_groupnorm_forward, layers.spatial_groupnorm_backward),
            public={
                "forward": cases.spatial_groupnorm_forward_public,
                "backward": cases.spatial_groupnorm_backward_public,
            },
            hidden=cases.spatial_groupnorm_hidden,
            bugs={
                "forward": _variants("spatial_groupnorm_forward"),
                "backward": _variants("spatial_groupnorm_backward"),
            },
            hints={
                "spatial_gn_wrong_axis": "the groups take every G-th channel (reshape(N, C // G, G, ...)): "
                "a group is C // G consecutive channels, x.reshape(N, G, C // G, H, W)",
                "spatial_gn_params_not_summed_over_batch": "dgamma and dbeta are summed over H and W "
                "only: gamma and beta are shared by the whole batch, sum over N too (shape (1, C, 1, 1))",
                "spatial_gn_params_summed_over_n_only": "dgamma and dbeta are summed over N only: sum "
                "over N, H and W (shape (1, C, 1, 1))",
                "spatial_gn_constant_stats": "the backward treats each group's mean and variance as "
                "constants: both depend on x, and their gradients add two terms",
            },
            figures=_group_figures,
        ),
    )
}
# The naive layers with a fast twin, in the order the notebook compares them.
FAST_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (spec.name, spec.fast) for spec in LAYERS.values() if spec.fast is not None
)


def reference_forward(spec: LayerSpec, args: list[Any]) -> tuple[np.ndarray, Any]:
    """The reference forward in float64 on these arguments (param dicts copied: train mode writes
    into them)."""
    return spec.reference[0](*_float64(args))


def fastest_forward(spec: LayerSpec, args: list[Any]) -> np.ndarray:
    """The reference forward's output as it is fastest to compute (the fast twin's, where there is
    one), on the arguments as they are: numeric gradients call it once per perturbed entry."""
    forward = LAYERS[spec.fast].reference[0] if spec.fast else spec.reference[0]
    return forward(*[dict(a) if isinstance(a, dict) else a for a in args])[0]


def reference_backward(spec: LayerSpec, args: list[Any], dout: np.ndarray) -> tuple[np.ndarray, ...]:
    """The reference backward's outputs (always a tuple) on dout, after its forward on args."""
    _, cache = reference_forward(spec, args)
    grads = spec.reference[1](np.asarray(dout, dtype=np.float64), cache)
    return grads if isinstance(grads, tuple) else (grads,)


def bug_output(spec: LayerSpec, direction: str, bug: str, args: list[Any], dout: np.ndarray) -> object:
    """What the known bug computes on these arguments: the forward's out, or the backward's outputs
    on dout after the bug's forward (the reference's, unless the bug is in both passes)."""
    variant = spec.bugs[direction][bug]
    args = _float64(args)
    if direction == "forward":
        return variant(*args)[0]
    _, cache = spec.bug_forwards.get(bug, spec.reference[0])(*args)
    return variant(np.asarray(dout, dtype=np.float64), cache)


def _float64(args: list[Any]) -> list[Any]:
    return [
        a.astype(np.float64) if isinstance(a, np.ndarray) else dict(a) if isinstance(a, dict) else a
        for a in args
    ]


def check_layer(name: str, *, needs: str | None = None) -> LayerSpec:
    """The layer a rubric names, if it declares what the check `needs` (a LayerSpec field);
    ValueError in one line otherwise (the rubric's loader reports it with the key)."""
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r} (known: {', '.join(LAYERS)})")
    spec = LAYERS[name]
    if needs is not None and not getattr(spec, needs):
        raise ValueError(f"layer {name!r} declares no {needs.replace('_', ' ')}")
    return spec
