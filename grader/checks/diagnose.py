"""Known-bug catalogue: turn a failed check into a hint that names the likely bug.

Each layer bug is a variant of the reference built from its own building
blocks (a different pad, a flipped kernel, a zeroed bias, an uncropped
gradient, ...). When a student's output fails on a case, the variants are run
on the same case in the parent; one whose output matches the student's (same
shape, same values within tolerance) while differing from the correct answer
names the bug. Model bugs (the regularization term, the hidden-layer size) are
recognised from the student's own numbers instead.

A hint is a fixed sentence from this catalogue: it never contains an input, a
shape of a hidden case, or a reference output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from grader.checks.cases import ConvCase, PoolCase
from grader.rubric import ModelConfig
from reference.fast_layers import conv_forward_fast, max_pool_forward_fast
from reference.layer_utils import affine_relu_forward
from reference.layers import (
    affine_forward,
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
    softmax_loss,
)

# Outputs of a variant count as the student's when they agree this closely (scale-relative).
MATCH_TOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4}


@dataclass(frozen=True)
class Bug:
    id: str
    hint: str


BUGS: dict[str, Bug] = {
    bug.id: bug
    for bug in [
        Bug("conv_no_padding", "conv forward: the input looks unpadded - apply conv_param['pad'] zeros."),
        Bug("conv_padding_twice", "conv forward: the input looks padded twice (2*pad on each side)."),
        Bug(
            "conv_flipped_kernel",
            "conv forward: the kernel looks flipped - the layer is a cross-correlation, do not flip w.",
        ),
        Bug("conv_missing_bias", "conv forward: the bias b[f] seems not to be added."),
        Bug("conv_wrong_bias_index", "conv forward: each filter gets another filter's bias (check b[f])."),
        Bug("conv_stride_ignored", "conv forward: the stride seems ignored (windows move by 1)."),
        Bug("conv_dx_not_cropped", "conv backward: dx has the padded shape - crop the padding off."),
        Bug(
            "conv_dw_db_not_summed",
            "conv backward: dw/db hold only the last sample - accumulate (+=) over the whole batch.",
        ),
        Bug(
            "max_pool_grad_to_all",
            "max pool backward: every window element gets the gradient - only the max should.",
        ),
        Bug(
            "max_pool_stride_ignored",
            "max pool: windows move by the pool size, not by pool_param['stride'].",
        ),
        Bug("reg_without_half", "loss: the L2 term looks like reg*sum(W**2) - the assignment uses 0.5*reg."),
        Bug("reg_missing_from_loss", "loss: the L2 regularization term seems missing from the loss."),
        Bug(
            "reg_missing_from_grads",
            "gradients: reg*W seems missing from the weight gradients (only the data term is there).",
        ),
        Bug(
            "model_relu_missing",
            "ThreeLayerConvNet: the loss matches a net with no ReLU between the conv and the pool "
            "(conv - relu - pool is the first layer).",
        ),
        Bug(
            "pool_missing_in_hidden_size",
            "ThreeLayerConvNet: W2 is sized as if there were no 2x2 pooling (use H/2 * W/2 * F inputs).",
        ),
    ]
}


def _matches(student: object, candidate: object, dtype: np.dtype) -> bool:
    """Same structure, same shapes, values equal up to MATCH_TOL relative to the candidate's scale."""
    if isinstance(candidate, tuple):
        if not isinstance(student, list | tuple) or len(student) != len(candidate):
            return False
        return all(_matches(s, c, dtype) for s, c in zip(student, candidate, strict=True))
    if not isinstance(student, np.ndarray) or student.shape != np.shape(candidate):
        return False
    scale = max(float(np.max(np.abs(candidate), initial=0.0)), 1e-12)
    error = float(np.max(np.abs(student.astype(np.float64) - candidate), initial=0.0)) / scale
    return error <= MATCH_TOL.get(np.dtype(dtype), 1e-6)


# --- variants of the reference, as functions of a case ---------------------------------------


def _conv(case: ConvCase, *, w: np.ndarray | None = None, b: np.ndarray | None = None, **param: int):
    conv_param = {**case.conv_param, **param}
    x = case.x.astype(np.float64)
    return conv_forward_naive(
        x,
        (case.w if w is None else w).astype(np.float64),
        (case.b if b is None else b).astype(np.float64),
        conv_param,
    )[0]


def _conv_backward(case: ConvCase, n: slice = slice(None)) -> tuple[np.ndarray, ...]:
    cache = (case.x[n].astype(np.float64), case.w.astype(np.float64), case.b, case.conv_param)
    return conv_backward_naive(case.dout[n].astype(np.float64), cache)


def _conv_dx_uncropped(case: ConvCase) -> tuple[np.ndarray, ...]:
    pad = case.conv_param["pad"]
    xp = np.pad(case.x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw, db = conv_backward_naive(
        case.dout.astype(np.float64), (xp, case.w.astype(np.float64), case.b, {**case.conv_param, "pad": 0})
    )
    return dxp, dw, db


def _conv_last_sample(case: ConvCase) -> tuple[np.ndarray, ...]:
    dx = _conv_backward(case)[0]
    _, dw, db = _conv_backward(case, slice(-1, None))
    return dx, dw, db


def _pool_by_size(case: PoolCase) -> np.ndarray:
    """Windows that step by the pool size (and an output sized that way), whatever the stride."""
    ph, pw = case.pool_param["pool_height"], case.pool_param["pool_width"]
    x = case.x.astype(np.float64)
    N, C, H, W = x.shape
    out = np.empty((N, C, 1 + (H - ph) // ph, 1 + (W - pw) // pw))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * ph : i * ph + ph, j * pw : j * pw + pw].max(axis=(2, 3))
    return out


def _pool_grad_to_all(case: PoolCase) -> np.ndarray:
    ph, pw, stride = (case.pool_param[k] for k in ("pool_height", "pool_width", "stride"))
    dx = np.zeros(case.x.shape)
    for i in range(case.dout.shape[2]):
        for j in range(case.dout.shape[3]):
            dx[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw] += case.dout[
                :, :, i, j, None, None
            ]
    return dx


CONV_FORWARD: dict[str, Callable[[ConvCase], np.ndarray]] = {
    "conv_no_padding": lambda c: _conv(c, pad=0),
    "conv_padding_twice": lambda c: _conv(c, pad=2 * c.conv_param["pad"]),
    "conv_flipped_kernel": lambda c: _conv(c, w=c.w[:, :, ::-1, ::-1]),
    "conv_missing_bias": lambda c: _conv(c, b=np.zeros_like(c.b)),
    "conv_wrong_bias_index": lambda c: _conv(c, b=np.roll(c.b, 1)),
    "conv_stride_ignored": lambda c: _conv(c, stride=1),
}
CONV_BACKWARD: dict[str, Callable[[ConvCase], tuple[np.ndarray, ...]]] = {
    "conv_dx_not_cropped": _conv_dx_uncropped,
    "conv_dw_db_not_summed": _conv_last_sample,
}
POOL_FORWARD: dict[str, Callable[[PoolCase], np.ndarray]] = {"max_pool_stride_ignored": _pool_by_size}
POOL_BACKWARD: dict[str, Callable[[PoolCase], np.ndarray]] = {"max_pool_grad_to_all": _pool_grad_to_all}


def correct_output(layer: str, direction: str, case: ConvCase | PoolCase) -> object:
    """The reference's answer, in float64 (the yardstick for float32 inputs too)."""
    if layer == "conv":
        assert isinstance(case, ConvCase)
        return _conv(case) if direction == "forward" else _conv_backward(case)
    assert isinstance(case, PoolCase)
    x = case.x.astype(np.float64)
    if direction == "forward":
        return max_pool_forward_naive(x, case.pool_param)[0]
    return max_pool_backward_naive(case.dout.astype(np.float64), (x, case.pool_param))


VARIANTS = {
    ("conv", "forward"): CONV_FORWARD,
    ("conv", "backward"): CONV_BACKWARD,
    ("max_pool", "forward"): POOL_FORWARD,
    ("max_pool", "backward"): POOL_BACKWARD,
}
Variants = Callable[[str, str, ConvCase | PoolCase], Sequence[tuple[str, object]]]


def distinct_variants(layer: str, direction: str, case: ConvCase | PoolCase) -> list[tuple[str, object]]:
    """(bug id, output) of every known-bug variant that this case tells apart from the correct answer."""
    correct = correct_output(layer, direction, case)
    found = []
    for bug_id, variant in VARIANTS[(layer, direction)].items():
        try:
            candidate = variant(case)  # type: ignore[arg-type]
        except (ValueError, IndexError):
            continue  # the variant makes no sense for this case (e.g. a negative output size)
        if not _matches(candidate, correct, case.x.dtype):  # else indistinguishable on this case
            found.append((bug_id, candidate))
    return found


def diagnose_layer(
    layer: str,
    direction: str,
    failures: Sequence[tuple[ConvCase | PoolCase, object]],
    variants: Variants = distinct_variants,
) -> str | None:
    """The hint of the first known bug that reproduces the student's output on a failing case.
    `variants` gives the variants' outputs on a case (the student kit's are precomputed)."""
    for case, student in failures:
        for bug_id, candidate in variants(layer, direction, case):
            if _matches(student, candidate, case.x.dtype):
                return BUGS[bug_id].hint
    return None


def diagnose_reg_loss(reg_term: float, expected_term: float) -> str | None:
    """From the student's (loss with reg) - (loss without reg) on the same params."""
    if expected_term <= 0:
        return None
    ratio = reg_term / expected_term
    if abs(ratio - 2.0) < 1e-3:
        return BUGS["reg_without_half"].hint
    if abs(ratio) < 1e-6:
        return BUGS["reg_missing_from_loss"].hint
    return None


def diagnose_reg_grads(
    student: dict[str, np.ndarray], numeric: dict[str, np.ndarray], params: dict[str, np.ndarray], reg: float
) -> str | None:
    """The student's weight gradients plus reg*W equal the numeric ones: reg is missing from grads."""
    weights = [k for k in numeric if k.startswith("W")]
    if reg <= 0 or not weights:
        return None
    for name in weights:
        grad = student.get(name)
        if not isinstance(grad, np.ndarray) or grad.shape != numeric[name].shape:
            return None
        # Relative to the whole gradient's scale: the data part alone may be tiny (dead ReLUs).
        scale = max(float(np.max(np.abs(numeric[name]), initial=0.0)), 1e-12)
        if np.max(np.abs(grad + reg * params[name] - numeric[name]), initial=0.0) / scale > 1e-6:
            return None
    return BUGS["reg_missing_from_grads"].hint


def diagnose_shapes(
    input_dim: tuple[int, int, int], num_filters: int, hidden_dim: int, shapes: dict[str, tuple[int, ...]]
) -> str | None:
    _, H, W = input_dim
    if tuple(shapes.get("W2", ())) == (num_filters * H * W, hidden_dim):
        return BUGS["pool_missing_in_hidden_size"].hint
    return None


def relu_missing_loss(
    config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
) -> float:
    """The loss of the known-wrong net without its hidden ReLU, on these weights."""
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    conv_param = {"stride": 1, "pad": (config.filter_size - 1) // 2}
    pooled, _ = max_pool_forward_fast(
        conv_forward_fast(X, W1, b1, conv_param)[0], {"pool_height": 2, "pool_width": 2, "stride": 2}
    )
    scores, _ = affine_forward(affine_relu_forward(pooled, W2, b2)[0], W3, b3)
    data_loss, _ = softmax_loss(scores, y)
    return float(data_loss) + 0.5 * config.reg * sum(float(np.sum(W**2)) for W in (W1, W2, W3))


def diagnose_model_loss(
    config: ModelConfig,
    params: dict[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    student_loss: float,
    wrong_loss: float | None = None,
) -> str | None:
    """The student's loss on weights the grader chose equals a known-wrong net's on them
    (`wrong_loss`: that net's loss, when it was precomputed)."""
    loss = relu_missing_loss(config, params, X, y) if wrong_loss is None else wrong_loss
    if abs(student_loss - loss) <= 1e-6 * max(1.0, abs(loss)):
        return BUGS["model_relu_missing"].hint
    return None
