"""Inputs for the layer checks: the notebook's fixed cases and seeded hidden ones.

Public cases are the assignment notebook's own, so a self-check prints what the
notebook prints. Hidden cases are drawn from a generator seeded by the
instructor's secret, the submission's hash and the check id: the same
submission always gets the same cases (grading is reproducible), another
submission gets other ones, and without the secret nobody can know them. They
vary N, C, F, H != W, HH != WW, stride 1..3, pad 0..2, pool windows whose
stride differs from their size (overlapping or leaving gaps), float64 and
float32; the normalization cases vary N, C, G, H != W, the inputs' offset and
scale, eps and momentum.

Every case knows the forward's positional arguments (`args()`), so a check
calls any layer the same way: ``forward(*case.args())``, then
``backward(case.dout, cache)``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from reference import notebook_cases


@dataclass(frozen=True)
class ConvCase:
    x: np.ndarray  # (N, C, H, W)
    w: np.ndarray  # (F, C, HH, WW)
    b: np.ndarray  # (F,)
    conv_param: dict[str, int]
    dout: np.ndarray  # (N, F, H', W'), the upstream gradient for backward checks
    pool_param: dict[str, int] | None = None  # the conv-relu-pool sandwich's pool

    def args(self) -> list[Any]:
        args: list[Any] = [self.x, self.w, self.b, self.conv_param]
        return args if self.pool_param is None else [*args, self.pool_param]

    def describe(self) -> str:
        """Shapes and params only: safe to show for public cases, never used for hidden ones."""
        return f"x {self.x.shape}, w {self.w.shape}, {self.conv_param}"


@dataclass(frozen=True)
class PoolCase:
    x: np.ndarray  # (N, C, H, W)
    pool_param: dict[str, int]
    dout: np.ndarray  # (N, C, H', W')

    def args(self) -> list[Any]:
        return [self.x, self.pool_param]

    def describe(self) -> str:
        return f"x {self.x.shape}, {self.pool_param}"


@dataclass(frozen=True)
class NormCase:
    """Spatial batch norm (G is None: gamma, beta (C,)) or group norm (gamma, beta (1, C, 1, 1))."""

    x: np.ndarray  # (N, C, H, W)
    gamma: np.ndarray
    beta: np.ndarray
    param: dict[str, Any]  # bn_param {'mode', 'eps', 'momentum'} or gn_param {'eps'}
    dout: np.ndarray  # (N, C, H, W)
    G: int | None = None

    def args(self) -> list[Any]:
        """A fresh param dict each time: the layer writes its running averages into it."""
        param = dict(self.param)
        if self.G is None:
            return [self.x, self.gamma, self.beta, param]
        return [self.x, self.gamma, self.beta, self.G, param]

    def describe(self) -> str:
        groups = "" if self.G is None else f", G={self.G}"
        return f"x {self.x.shape}, gamma {self.gamma.shape}{groups}, {self.param}"


Case = ConvCase | PoolCase | NormCase


def seeded_rng(secret: str, submission_sha256: str, check_id: str) -> np.random.Generator:
    """The hidden-case generator: sha256(secret + submission hash + check id) seeds it."""
    digest = hashlib.sha256(f"{secret}\0{submission_sha256}\0{check_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def public_rng(check_id: str) -> np.random.Generator:
    """Random but fixed inputs for public checks that have no notebook case (model checks)."""
    digest = hashlib.sha256(f"public\0{check_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


# --- the notebook's cases -------------------------------------------------------------------


def conv_forward_public() -> ConvCase:
    """'Convolution: Naive forward pass' cell of the notebook."""
    x, w, b, conv_param = notebook_cases.conv_forward_inputs()
    dout = np.random.RandomState(231).randn(2, 3, 2, 2)
    return ConvCase(x, w, b, conv_param, dout)


def conv_backward_public() -> ConvCase:
    """'Convolution: Naive backward pass' cell: x (4,3,5,5), w (2,3,3,3), stride 1, pad 1."""
    rs = np.random.RandomState(231)
    x = rs.randn(4, 3, 5, 5)
    w = rs.randn(2, 3, 3, 3)
    b = rs.randn(2)
    dout = rs.randn(4, 2, 5, 5)
    return ConvCase(x, w, b, {"stride": 1, "pad": 1}, dout)


def max_pool_forward_public() -> PoolCase:
    """'Max-Pooling: Naive forward' cell: x = linspace(-0.3, 0.4) (2,3,4,4), 2x2 stride 2."""
    x, pool_param = notebook_cases.max_pool_forward_inputs()
    dout = np.random.RandomState(231).randn(2, 3, 2, 2)
    return PoolCase(x, pool_param, dout)


def max_pool_backward_public() -> PoolCase:
    """'Max-Pooling: Naive backward' cell: x (3,2,8,8), 2x2 stride 2."""
    rs = np.random.RandomState(231)
    x = rs.randn(3, 2, 8, 8)
    dout = rs.randn(3, 2, 4, 4)
    return PoolCase(x, {"pool_height": 2, "pool_width": 2, "stride": 2}, dout)


def sandwich_public(pool: bool) -> ConvCase:
    """'Sandwich layers' cells: x (2,3,8,8), w (3,3,3,3), stride 1, pad 1 (+ 2x2 pool stride 2)."""
    rs = np.random.RandomState(231)
    x = rs.randn(2, 3, 8, 8)
    w = rs.randn(3, 3, 3, 3)
    b = rs.randn(3)
    dout = rs.randn(2, 3, 4, 4) if pool else rs.randn(2, 3, 8, 8)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2} if pool else None
    return ConvCase(x, w, b, {"stride": 1, "pad": 1}, dout, pool_param)


def spatial_batchnorm_forward_public() -> NormCase:
    """'Spatial batch normalization: forward' cell, with its second gamma and beta (means close to
    beta, stds close to gamma after normalizing)."""
    x = notebook_cases.spatial_batchnorm_train_inputs()
    gamma, beta = notebook_cases.SPATIAL_BN_GAMMA_BETA[1]
    return NormCase(x, gamma, beta, {"mode": "train"}, np.random.RandomState(231).randn(*x.shape))


def spatial_batchnorm_backward_public() -> NormCase:
    """'Spatial batch normalization: backward' cell: x (2, 3, 4, 5), train mode."""
    x, gamma, beta, dout = notebook_cases.spatial_batchnorm_backward_inputs()
    return NormCase(x, gamma, beta, {"mode": "train"}, dout)


def spatial_groupnorm_forward_public() -> NormCase:
    """'Spatial group normalization: forward' cell: x (2, 6, 4, 5), G = 2, gamma 1, beta 0."""
    x = notebook_cases.spatial_groupnorm_train_inputs()
    gamma, beta = notebook_cases.SPATIAL_GN_GAMMA_BETA
    dout = np.random.RandomState(231).randn(*x.shape)
    return NormCase(x, gamma, beta, {"eps": 1e-5}, dout, notebook_cases.GROUPNORM_G)


def spatial_groupnorm_backward_public() -> NormCase:
    """'Spatial group normalization: backward' cell: x (2, 6, 4, 5), G = 2."""
    x, gamma, beta, dout = notebook_cases.spatial_groupnorm_backward_inputs()
    return NormCase(x, gamma, beta, {"eps": 1e-5}, dout, notebook_cases.GROUPNORM_G)


def fast_conv_case(num_inputs: int) -> ConvCase:
    """'Fast layers' cell: x (N,3,31,31), w (25,3,3,3), stride 2, pad 1 (the notebook uses N = 100)."""
    rs = np.random.RandomState(231)
    x = rs.randn(num_inputs, 3, 31, 31)
    w = rs.randn(25, 3, 3, 3)
    b = rs.randn(25)
    dout = rs.randn(num_inputs, 25, 16, 16)
    return ConvCase(x, w, b, {"stride": 2, "pad": 1}, dout)


def fast_pool_case(num_inputs: int) -> PoolCase:
    """'Fast layers' cell: x (N,3,32,32), 2x2 stride 2."""
    rs = np.random.RandomState(231)
    x = rs.randn(num_inputs, 3, 32, 32)
    dout = rs.randn(num_inputs, 3, 16, 16)
    return PoolCase(x, {"pool_height": 2, "pool_width": 2, "stride": 2}, dout)


# --- hidden cases ---------------------------------------------------------------------------

# Cycled through so that every hidden check covers each stride, each pad and both dtypes.
_CONV_STRIDE_PAD = [(1, 0), (2, 1), (3, 2), (1, 1), (2, 2), (3, 0), (1, 2), (2, 0)]
# (pool_height, pool_width, stride): overlapping windows, gaps between windows, non-square.
_POOLS = [(2, 2, 1), (3, 3, 2), (2, 3, 1), (3, 2, 2), (2, 2, 2), (1, 2, 3), (3, 3, 1), (2, 1, 3)]


def _dtype(i: int) -> type[np.floating]:
    return np.float32 if i % 3 == 2 else np.float64


def _two_distinct(rng: np.random.Generator, low: int, high: int) -> tuple[int, int]:
    a, b = (int(v) for v in rng.choice(np.arange(low, high + 1), size=2, replace=False))
    return a, b


def conv_hidden(rng: np.random.Generator, count: int) -> list[ConvCase]:
    cases = []
    for i in range(count):
        stride, pad = _CONV_STRIDE_PAD[i % len(_CONV_STRIDE_PAD)]
        N, C, F = (int(v) for v in rng.integers(1, [4, 4, 5], endpoint=True))
        HH, WW = _two_distinct(rng, 1, 4)
        # Pick the output size, then the input size that the stride divides exactly: students may
        # assume it does (the course's fast layers assert it), and that is not what we test.
        Ho, Wo = _two_distinct(rng, 2, 4)
        H, W = ((o - 1) * stride + k - 2 * pad for o, k in ((Ho, HH), (Wo, WW)))
        while H < 2 or W < 2 or H == W:
            Ho, Wo = (Ho + 1, Wo) if H <= W else (Ho, Wo + 1)
            H, W = ((o - 1) * stride + k - 2 * pad for o, k in ((Ho, HH), (Wo, WW)))
        dtype = _dtype(i)
        cases.append(
            ConvCase(
                x=rng.standard_normal((N, C, H, W)).astype(dtype),
                w=rng.standard_normal((F, C, HH, WW)).astype(dtype),
                b=rng.standard_normal(F).astype(dtype),
                conv_param={"stride": stride, "pad": pad},
                dout=rng.standard_normal((N, F, Ho, Wo)).astype(dtype),
            )
        )
    return cases


def pool_hidden(rng: np.random.Generator, count: int) -> list[PoolCase]:
    cases = []
    for i in range(count):
        ph, pw, stride = _POOLS[i % len(_POOLS)]
        N, C = (int(v) for v in rng.integers(1, [3, 4], endpoint=True))
        Ho, Wo = _two_distinct(rng, 1, 4)
        H, W = (Ho - 1) * stride + ph, (Wo - 1) * stride + pw
        dtype = _dtype(i)
        cases.append(
            PoolCase(
                x=rng.standard_normal((N, C, H, W)).astype(dtype),
                pool_param={"pool_height": ph, "pool_width": pw, "stride": stride},
                dout=rng.standard_normal((N, C, Ho, Wo)).astype(dtype),
            )
        )
    return cases


def _norm_input(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """Inputs far from zero mean and unit spread, as the notebook's are: normalizing must matter."""
    offset, scale = rng.uniform(-12, 12), rng.uniform(0.5, 5)
    return (scale * rng.standard_normal(shape) + offset).astype(dtype)


# eps and momentum as the notebook's bn_param may set them (the defaults 1e-5 and 0.9 first).
_EPS_MOMENTUM = [(1e-5, 0.9), (1e-3, 0.8), (1e-5, 0.5), (1e-4, 0.95)]


def _norm_case(rng: np.random.Generator, i: int, C: int, G: int | None) -> NormCase:
    """Hidden case i: N 2..5, H != W both at least 2 (a group of two entries normalizes to exactly
    -1 and +1 whatever x is: its dx is rounding noise, no test of anything); gamma and beta (C,)
    for batch norm, (1, C, 1, 1) for group norm."""
    shape = (int(rng.integers(2, 5, endpoint=True)), C, *_two_distinct(rng, 2, 5))
    eps, momentum = _EPS_MOMENTUM[i % len(_EPS_MOMENTUM)]
    dtype = _dtype(i)
    param_shape = (C,) if G is None else (1, C, 1, 1)
    return NormCase(
        x=_norm_input(rng, shape, dtype),
        gamma=rng.standard_normal(param_shape).astype(dtype),
        beta=rng.standard_normal(param_shape).astype(dtype),
        param={"mode": "train", "eps": eps, "momentum": momentum} if G is None else {"eps": eps},
        dout=rng.standard_normal(shape).astype(dtype),
        G=G,
    )


def spatial_batchnorm_hidden(rng: np.random.Generator, count: int) -> list[NormCase]:
    # At least two channels: with one, flattening without moving channels last changes nothing.
    return [_norm_case(rng, i, int(rng.integers(2, 6, endpoint=True)), None) for i in range(count)]


def spatial_groupnorm_hidden(rng: np.random.Generator, count: int) -> list[NormCase]:
    cases = []
    for i in range(count):
        # Two groups or more of two channels or more: with one of either, groups of every G-th
        # channel are the same groups as consecutive ones.
        G = int(rng.integers(2, 4, endpoint=True))
        cases.append(_norm_case(rng, i, G * int(rng.integers(2, 3, endpoint=True)), G))
    return cases


def norm_batches(rng: np.random.Generator, case: NormCase, count: int) -> list[np.ndarray]:
    """`count` training batches shaped and typed like case.x (the first is case.x itself), each
    with its own offset and spread: the running averages must follow them."""
    return [case.x] + [_norm_input(rng, case.x.shape, case.x.dtype.type) for _ in range(count - 1)]


def spatial_batchnorm_test_mode_public() -> tuple[NormCase, list[np.ndarray]]:
    """'Spatial batch normalization: test-time forward' cell: 50 train-mode batches (10, 4, 11, 12),
    gamma 1, beta 0, then the test batch (the case's x)."""
    train, test = notebook_cases.spatial_batchnorm_test_mode_inputs()
    C = test.shape[1]
    case = NormCase(test, np.ones(C), np.zeros(C), {"mode": "train"}, np.zeros_like(test))
    return case, train
