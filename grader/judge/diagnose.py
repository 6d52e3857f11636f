"""Bug catalogue: turn a failed check into a hint that names the likely bug.

Three ways to recognise a bug, most telling first:

- By behaviour. The commonest real bugs are wrong only under one condition: a
  conv backward whose dx is empty exactly when pad = 0 (`dx_pad[:, :, pad:-pad]`),
  a max-pool backward that loses gradient exactly where pooling windows overlap
  (`dx[...] = ...` instead of `+=`), a max pool that is right only when the stride
  equals the window. The failing case itself may show the condition (which input
  positions are wrong, which pad made dx empty); a `probe` (the student's layer,
  run in the worker on cases the diagnosis picks: small, fixed, public) tells the
  rest by comparing the same layer with and without the condition.
- By the student's error message: a name like `x_pad` that is unset (set only
  when pad > 0).
- By variants of the reference built from its own building blocks (a different
  pad, a flipped kernel, a zeroed bias, an uncropped gradient, ...), run in the
  parent on the failing case: one whose output matches the student's while
  differing from the correct answer names the bug.

Model bugs (the regularization term, the parameter shapes) are recognised from the
student's own numbers: which combination of per-parameter sums their reg term is,
whether their gradients are off by reg*W or by one number.

A hint is a fixed sentence from this catalogue: it never contains an input, a
shape of a hidden case, a probe's values or a reference output.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from grader.isolate import StudentFailure
from grader.judge import expected
from grader.judge.check_models import ModelConfig
from grader.judge.layers.cases import Case, ConvCase, PoolCase
from grader.judge.layers.registry import LAYERS
from grader.judge.student_calls import MalformedResultError
from grader.judge.yardstick import yardstick
from grader.report.models import Status

# Outputs of a variant count as the student's when they agree this closely (scale-relative).
MATCH_TOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4}

# The student's layer run on a case the diagnosis chooses (see diagnose_layer).
Probe = Callable[[ConvCase | PoolCase], object]


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
            "conv_dx_empty_without_pad",
            "conv backward: dx comes out empty when pad = 0 - a crop like dx_pad[:, :, pad:-pad] selects "
            "nothing then (-0 is 0); crop with pad:pad+H and pad:pad+W.",
        ),
        Bug(
            "conv_breaks_without_pad",
            "conv: right with padding but not with pad = 0 - look for a variable (such as x_pad) set only "
            "when pad > 0, or a slice pad:-pad, which is empty when pad is 0.",
        ),
        Bug(
            "conv_dw_db_not_summed",
            "conv backward: dw/db hold only the last sample - accumulate (+=) over the whole batch.",
        ),
        Bug(
            "max_pool_grad_to_all",
            "max pool backward: every window element gets the gradient - only the max should.",
        ),
        Bug(
            "max_pool_backward_overwrites",
            "max pool backward: gradient is lost where pooling windows overlap - one input can be the "
            "max of several windows, so add every window's gradient into dx (dx[...] += ..., or "
            "np.add.at with index arrays) instead of assigning it.",
        ),
        Bug(
            "max_pool_stride_ignored",
            "max pool: right only when the stride equals the pool size - windows start every "
            "pool_param['stride'] pixels, not every pool_height (pool_width).",
        ),
        Bug(
            "max_pool_empty_window",
            "max pool: a pooling window came out empty - window (i, j) starts at row i*stride, column "
            "j*stride and spans pool_height x pool_width.",
        ),
        Bug("reg_without_half", "loss: the L2 term looks like reg*sum(W**2) - the assignment uses 0.5*reg."),
        Bug("reg_missing_from_loss", "loss: the L2 regularization term seems missing from the loss."),
        Bug(
            "reg_sum_squared",
            "loss: the L2 term looks like sum(W)**2 - square each weight before summing: np.sum(W**2).",
        ),
        Bug(
            "reg_misses_weights",
            "loss: the L2 term leaves out a weight matrix - add 0.5*reg*sum(W**2) for W1, W2 and W3.",
        ),
        Bug(
            "reg_on_biases",
            "loss: the L2 term includes the biases - the assignment regularizes only W1, W2 and W3.",
        ),
        Bug(
            "reg_missing_from_grads",
            "gradients: reg*W seems missing from (some of) the weight gradients (only the data term is "
            "there).",
        ),
        Bug(
            "reg_grad_wrong_factor",
            "gradients: the reg part of the weight gradients has the wrong factor - the gradient of "
            "0.5*reg*sum(W**2) is reg*W.",
        ),
        Bug(
            "reg_grad_scalar",
            "gradients: the weight gradients are off by one number everywhere - the reg gradient is the "
            "array reg*W, not a scalar such as reg*np.sum(W) or the loss term.",
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
        Bug(
            "input_size_hard_coded",
            "ThreeLayerConvNet: W2 is sized for 32x32 images whatever input_dim says - compute it from "
            "input_dim.",
        ),
        Bug(
            "filter_size_hard_coded",
            "ThreeLayerConvNet: W1 ignores filter_size - its kernel size looks hard-coded.",
        ),
        Bug(
            "params_not_built_in_init",
            "ThreeLayerConvNet: model.params holds no weights right after __init__ - create them there; "
            "the Solver and the checks read model.params before loss() is first called.",
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
    if not np.issubdtype(student.dtype, np.number):
        return False
    scale = max(float(np.max(np.abs(candidate), initial=0.0)), 1e-12)
    error = float(np.max(np.abs(student.astype(np.float64) - candidate), initial=0.0)) / scale
    return error <= MATCH_TOL.get(np.dtype(dtype), 1e-6)


# --- variants of the reference, as functions of a case ---------------------------------------


def _conv(case: ConvCase, *, w: np.ndarray | None = None, b: np.ndarray | None = None, **param: int):
    conv_param = {**case.conv_param, **param}
    return expected.conv_naive(case.x, case.w if w is None else w, case.b if b is None else b, conv_param)


def _conv_dx_uncropped(case: ConvCase) -> tuple[np.ndarray, ...]:
    pad = case.conv_param["pad"]
    xp = np.pad(case.x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return expected.conv_naive_backward(case.dout, xp, case.w, case.b, {**case.conv_param, "pad": 0})


def _conv_last_sample(case: ConvCase) -> tuple[np.ndarray, ...]:
    dx = expected.correct_output("conv", "backward", case)[0]  # type: ignore[index]
    _, dw, db = expected.conv_naive_backward(case.dout[-1:], case.x[-1:], case.w, case.b, case.conv_param)
    return dx, dw, db


@yardstick()
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


def _pool_windows(case: PoolCase) -> list[tuple[slice, slice]]:
    """The (rows, columns) of every pooling window of the case."""
    ph, pw, stride = (case.pool_param[k] for k in ("pool_height", "pool_width", "stride"))
    _, _, Ho, Wo = case.dout.shape
    return [
        (slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw))
        for i in range(Ho)
        for j in range(Wo)
    ]


@yardstick()
def _pool_grad_to_all(case: PoolCase) -> np.ndarray:
    dx = np.zeros(case.x.shape)
    _, _, _, Wo = case.dout.shape
    for k, (rows, cols) in enumerate(_pool_windows(case)):
        dx[:, :, rows, cols] += case.dout[:, :, k // Wo, k % Wo, None, None]
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
_CONV_POOL_VARIANTS: dict[tuple[str, str], Mapping[str, Callable]] = {
    ("conv", "forward"): CONV_FORWARD,
    ("conv", "backward"): CONV_BACKWARD,
    ("max_pool", "forward"): POOL_FORWARD,
    ("max_pool", "backward"): POOL_BACKWARD,
}


def variants(layer: str, direction: str) -> dict[str, Callable[[Case], object]]:
    """Bug id -> what the bug computes on a case: conv's and max pool's variants here, every other
    layer's as its LayerSpec declares them."""
    declared = LAYERS[layer].bugs.get(direction, {})
    return {
        **_CONV_POOL_VARIANTS.get((layer, direction), {}),
        **{bug: functools.partial(expected.bug_output, layer, direction, bug) for bug in declared},
    }


def hint(layer: str, bug_id: str) -> str:
    """The hint of a known bug: conv's, pool's and the model's in BUGS, other layers' in their LayerSpec."""
    return BUGS[bug_id].hint if bug_id in BUGS else LAYERS[layer].hints[bug_id]


def _is_correct(layer: str, direction: str, case: Case, student: object) -> bool:
    return _matches(student, expected.correct_output(layer, direction, case), case.x.dtype)


# --- behaviour seen in the failing cases themselves -------------------------------------------


def _dx(student: object) -> object:
    """dx out of a conv backward's (dx, dw, db), or the lone dx a caller passed."""
    return student[0] if isinstance(student, list | tuple) and student else student


def _is_empty_image(value: object) -> bool:
    return isinstance(value, np.ndarray) and value.ndim == 4 and value.size == 0


def _dx_empty_exactly_without_pad(failures: Sequence[tuple[ConvCase | PoolCase, object]]) -> bool:
    empty = [case.conv_param["pad"] for case, s in failures if _is_empty_image(_dx(s))]  # type: ignore[union-attr]
    return bool(empty) and set(empty) == {0}


def _wrong_only_where_windows_overlap(case: PoolCase, student: object) -> bool:
    """dx is wrong somewhere, and only at inputs that lie in more than one pooling window."""
    correct = np.asarray(expected.correct_output("max_pool", "backward", case))
    if not isinstance(student, np.ndarray) or student.shape != correct.shape:
        return False
    if not np.issubdtype(student.dtype, np.number):
        return False
    cover = np.zeros(case.x.shape[2:], dtype=int)
    for rows, cols in _pool_windows(case):
        cover[rows, cols] += 1
    scale = max(float(np.max(np.abs(correct), initial=0.0)), 1e-12)
    wrong = np.abs(student.astype(np.float64) - correct) > MATCH_TOL.get(case.x.dtype, 1e-6) * scale
    return bool(wrong.any()) and not bool(wrong[:, :, cover <= 1].any())


def _overlap_losses(failures: Sequence[tuple[ConvCase | PoolCase, object]]) -> bool:
    return bool(failures) and all(
        isinstance(case, PoolCase) and _wrong_only_where_windows_overlap(case, s) for case, s in failures
    )


# --- probes: the student's layer on cases chosen here -----------------------------------------
# Small, fixed and public (they reveal nothing hidden); float64; sizes the stride divides.


def _conv_probe(pad: int) -> ConvCase:
    """The same x, w, b with another pad: stride 1, 3x3 kernels, H != W."""
    rng = np.random.default_rng(231)
    x, w, b = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(2)
    dout = np.random.default_rng(232 + pad).standard_normal((2, 2, 3 + 2 * pad, 4 + 2 * pad))
    return ConvCase(x, w, b, {"stride": 1, "pad": pad}, dout)


def _pool_probe(size: int, stride: int) -> PoolCase:
    """size x size windows; 3 x 4 of them."""
    rng = np.random.default_rng(231 + 10 * size + stride)
    x = rng.standard_normal((2, 2, 2 * stride + size, 3 * stride + size))
    pool_param = {"pool_height": size, "pool_width": size, "stride": stride}
    return PoolCase(x, pool_param, rng.standard_normal((2, 2, 3, 4)))


TILED, OVERLAPPING, GAPPED = (2, 2), (2, 1), (2, 3)  # (pool size, stride)


def probe_cases(layer: str) -> list[ConvCase | PoolCase]:
    """Every case the diagnosis may run a student's `layer` on."""
    if layer == "conv":
        return [_conv_probe(pad) for pad in (0, 1)]
    if layer == "max_pool":
        return [_pool_probe(*shape) for shape in (TILED, GAPPED, OVERLAPPING)]
    return []


class _ProbeTimeoutError(Exception):
    """One probe hung: the diagnosis stops rather than risk more time limits."""


@dataclass(frozen=True)
class _Run:
    case: ConvCase | PoolCase
    value: object  # what the student's layer gave (None when it raised or was malformed)
    correct: bool


def _run(probe: Probe, layer: str, direction: str, case: ConvCase | PoolCase) -> _Run:
    try:
        value = probe(case)
    except StudentFailure as failure:
        if failure.status == Status.timeout:
            raise _ProbeTimeoutError from failure
        return _Run(case, None, False)
    except MalformedResultError:
        return _Run(case, None, False)
    if layer == "max_pool" and isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]  # a caller may hand back layer_io.backward's (dx,)
    return _Run(case, value, _is_correct(layer, direction, case, value))


def _conv_by_probe(probe: Probe, direction: str) -> str | None:
    padded = _run(probe, "conv", direction, _conv_probe(1))
    unpadded = _run(probe, "conv", direction, _conv_probe(0))
    if not padded.correct or unpadded.correct:
        return None
    if direction == "backward" and _is_empty_image(_dx(unpadded.value)):
        return "conv_dx_empty_without_pad"
    return "conv_breaks_without_pad"


def _pool_by_probe(probe: Probe, direction: str) -> str | None:
    tiled = _run(probe, "max_pool", direction, _pool_probe(*TILED))
    if not tiled.correct:
        return None
    gapped = _run(probe, "max_pool", direction, _pool_probe(*GAPPED))
    overlapping = _run(probe, "max_pool", direction, _pool_probe(*OVERLAPPING))
    if (
        direction == "backward"
        and gapped.correct
        and _wrong_only_where_windows_overlap(overlapping.case, overlapping.value)  # type: ignore[arg-type]
    ):
        return "max_pool_backward_overwrites"
    if not gapped.correct or not overlapping.correct:
        return "max_pool_stride_ignored"
    return None


def precompute(layer: str, direction: str, case: Case) -> None:
    """Ask every yardstick the diagnosis of a failure on this public case may ask (building the
    student kit): the correct output, each known bug's output, the probes' correct outputs."""
    expected.correct_output(layer, direction, case)
    for variant in variants(layer, direction).values():
        with contextlib.suppress(ValueError, IndexError):  # as in the diagnosis: a variant that
            variant(case)  # makes no sense for this case
    for probe in probe_cases(layer):
        expected.correct_output(layer, direction, probe)


# Layers whose diagnosis also runs the student's layer on probe cases of its own.
_PROBE_DIAGNOSES: dict[str, Callable[[Probe, str], str | None]] = {
    "conv": _conv_by_probe,
    "max_pool": _pool_by_probe,
}


# --- the layer diagnosis ----------------------------------------------------------------------


def _by_variant(layer: str, direction: str, failures: Sequence[tuple[Case, object]]) -> str | None:
    candidates = variants(layer, direction)
    if not candidates:
        return None
    for case, student in failures:
        correct = expected.correct_output(layer, direction, case)
        for bug_id, variant in candidates.items():
            try:
                candidate = variant(case)
            except (ValueError, IndexError):
                continue  # the variant makes no sense for this case (e.g. a negative output size)
            if _matches(candidate, correct, case.x.dtype):
                continue  # indistinguishable from the correct answer on this case
            if _matches(student, candidate, case.x.dtype):
                return bug_id
    return None


def diagnose_layer(
    layer: str,
    direction: str,
    failures: Sequence[tuple[Case, object]],
    probe: Probe | None = None,
) -> str | None:
    """The hint of the bug that explains the student's failures, or None.

    `failures`: (case, the student's output) for the cases that failed; the output is the
    forward's `out`, or the backward's (dx, dw, db) / dx, or a conv backward's lone dx.
    `probe(case)`: optional; runs the student's layer in the worker on `case` and returns its
    raw result: for "forward" the forward's `out`, for "backward" the backward's whole return
    value on case.dout (after the student's own forward on the case; a max pool's dx alone or
    as (dx,)). It may raise StudentFailure
    or MalformedResultError; the diagnosis tolerates both, and stops probing after a timeout.
    With a probe the diagnosis can be called with no failures (every failing case crashed).
    """
    if layer == "conv" and direction == "backward" and _dx_empty_exactly_without_pad(failures):
        return BUGS["conv_dx_empty_without_pad"].hint
    if layer == "max_pool" and direction == "backward" and _overlap_losses(failures):
        return BUGS["max_pool_backward_overwrites"].hint
    bug_id = _by_variant(layer, direction, failures)
    by_probe = _PROBE_DIAGNOSES.get(layer)
    if bug_id is None and probe is not None and by_probe is not None:
        try:
            bug_id = by_probe(probe, direction)
        except _ProbeTimeoutError:
            bug_id = None
    return hint(layer, bug_id) if bug_id else None


# NameError / UnboundLocalError, in the wordings of Python 3.8 to 3.13.
_UNSET_NAME = re.compile(r"(?:name|local variable) '([^']+)' (?:is not defined|referenced before|where)")


def diagnose_failure(layer: str, direction: str, message: str) -> str | None:
    """A hint from the text of the student's exception (a crashed case), or None."""
    unset = _UNSET_NAME.search(message)
    if layer == "conv" and unset and "pad" in unset.group(1).lower():
        return BUGS["conv_breaks_without_pad"].hint
    if layer == "max_pool" and "zero-size array to reduction operation maximum" in message:
        return BUGS["max_pool_empty_window"].hint
    return None


# --- model bugs, from the student's own numbers -----------------------------------------------

# A reg term counts as a formula's when they agree to this (relative): float32 losses carry ~1e-6.
REG_TERM_TOL = 1e-4
# Gradients count as off by a formula when the rest agrees to this (relative to their scale).
GRAD_TOL = 1e-5


def _weights(params: Mapping[str, object]) -> list[str]:
    return sorted(k for k, v in params.items() if k.startswith("W") and isinstance(v, np.ndarray))


def _reg_term_candidates(params: Mapping[str, np.ndarray], reg: float) -> list[tuple[str, float]]:
    """(bug id, the reg term that bug gives) for each single mistake in 0.5*reg*sum(W**2)."""
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in params.items() if isinstance(v, np.ndarray)}
    weights, biases = _weights(arrays), sorted(k for k in arrays if not k.startswith("W"))
    squares = {k: float(np.sum(v**2)) for k, v in arrays.items()}
    sums = {k: float(np.sum(v)) for k, v in arrays.items()}
    full = sum(squares[k] for k in weights)
    candidates = [("reg_without_half", reg * full)]
    for factor in (0.5, 1.0):
        candidates.append(("reg_sum_squared", factor * reg * sum(sums[k] ** 2 for k in weights)))
        candidates.append(("reg_sum_squared", factor * reg * sum(sums[k] for k in weights) ** 2))
    for size in range(1, len(weights)):
        for kept in itertools.combinations(weights, size):
            candidates.append(("reg_misses_weights", 0.5 * reg * sum(squares[k] for k in kept)))
    for size in range(1, len(biases) + 1):
        for extra in itertools.combinations(biases, size):
            candidates.append(("reg_on_biases", 0.5 * reg * (full + sum(squares[k] for k in extra))))
    return candidates


def diagnose_reg_loss(
    reg_term: float,
    expected_term: float,
    *,
    params: Mapping[str, np.ndarray] | None = None,
    reg: float | None = None,
) -> str | None:
    """From the student's (loss with reg) - (loss without reg) on the same params.

    `expected_term` is 0.5*reg*sum(W**2). With the `params` the loss ran on and `reg`, the
    term is also tested against each single mistake (sum(W)**2, a weight left out, biases
    included); empty params (read before the first loss()) mean the model builds them in loss().
    """
    if params is not None and not params:
        return BUGS["params_not_built_in_init"].hint
    if expected_term <= 0:
        return None
    ratio = reg_term / expected_term
    if abs(ratio - 2.0) < 1e-3:
        return BUGS["reg_without_half"].hint
    if abs(ratio) < 1e-6:
        return BUGS["reg_missing_from_loss"].hint
    if params is None or not reg:
        return None
    tol = REG_TERM_TOL * expected_term
    found = {
        bug_id
        for bug_id, term in _reg_term_candidates(params, reg)
        if abs(term - expected_term) > 10 * tol and abs(term - reg_term) <= tol
    }
    return BUGS[found.pop()].hint if len(found) == 1 else None


def _scale(a: np.ndarray) -> float:
    return max(float(np.max(np.abs(a), initial=0.0)), 1e-12)


def diagnose_reg_grads(
    student: Mapping[str, object],
    numeric: Mapping[str, np.ndarray],
    params: Mapping[str, np.ndarray],
    reg: float,
    *,
    expected: Mapping[str, np.ndarray] | None = None,
) -> str | None:
    """How the student's weight gradients differ from the true ones, when reg > 0.

    The truth is `expected` (the reference's gradients on the same params) when given, else
    `numeric` (of the student's own loss). Off by one number per weight (whatever else): a scalar
    was added, or put in place of reg*W; off by a multiple of reg*W only: reg*W missing (-1) or a
    wrong factor.
    """
    truth = expected if expected is not None else numeric
    weights = [k for k in truth if k.startswith("W")]
    if reg <= 0 or not weights:
        return None
    diffs: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
    for name in weights:
        grad, weight = student.get(name), params.get(name)
        want = np.asarray(truth[name], dtype=np.float64)
        for value in (grad, weight):
            if not isinstance(value, np.ndarray) or value.shape != want.shape:
                return None
            if not np.issubdtype(value.dtype, np.number) or not np.all(np.isfinite(value)):
                return None
        diff = grad.astype(np.float64) - want  # type: ignore[union-attr]
        diffs[name] = (diff, reg * weight.astype(np.float64), _scale(want))  # type: ignore[union-attr]
    return _reg_grad_shape(diffs)


def _reg_grad_shape(diffs: Mapping[str, tuple[np.ndarray, np.ndarray, float]]) -> str | None:
    """Fit each weight's gradient error as factor*reg*W + offset; the fit must leave only noise."""
    factors, shifted = [], False
    for diff, reg_w, scale in diffs.values():
        basis = np.stack([reg_w.ravel(), np.ones(reg_w.size)], axis=1)
        (factor, offset), *_ = np.linalg.lstsq(basis, diff.ravel(), rcond=None)
        if np.max(np.abs(diff - factor * reg_w - offset), initial=0.0) > GRAD_TOL * scale:
            return None
        # a part whose size is below the noise is no part at all
        noticeable = 1e3 * GRAD_TOL * scale
        shifted = shifted or abs(offset) > noticeable
        factors.append(float(factor) if abs(factor) * _scale(reg_w) > noticeable else 0.0)
    if shifted:  # a scalar added to the gradient, or put in place of reg*W
        return BUGS["reg_grad_scalar"].hint
    off = [f for f in factors if f != 0.0]
    if not off:
        return None
    if all(abs(f + 1) < 1e-2 for f in off):
        return BUGS["reg_missing_from_grads"].hint
    return BUGS["reg_grad_wrong_factor"].hint


def diagnose_shapes(
    input_dim: tuple[int, int, int],
    num_filters: int,
    hidden_dim: int,
    shapes: Mapping[str, tuple[int, ...]],
    *,
    filter_size: int | None = None,
) -> str | None:
    """From the shapes of the arrays in model.params right after ThreeLayerConvNet(...)."""
    if not shapes:
        return BUGS["params_not_built_in_init"].hint
    _, H, W = input_dim
    w1, w2 = tuple(shapes.get("W1", ())), tuple(shapes.get("W2", ()))
    if filter_size is not None and len(w1) == 4 and w1[2:] != (filter_size, filter_size):
        return BUGS["filter_size_hard_coded"].hint
    if w2 == (num_filters * H * W, hidden_dim):
        return BUGS["pool_missing_in_hidden_size"].hint
    if (H, W) != (32, 32) and w2 == (num_filters * 16 * 16, hidden_dim):
        return BUGS["input_size_hard_coded"].hint
    return None


def diagnose_model_loss(
    config: ModelConfig, params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, student_loss: float
) -> str | None:
    """The student's loss on weights the grader chose equals a known-wrong net's on them."""
    loss = expected.relu_missing_loss(config, params, X, y)
    if abs(student_loss - loss) <= 1e-6 * max(1.0, abs(loss)):
        return BUGS["model_relu_missing"].hint
    return None
