"""Inputs for the layer checks: the notebook's fixed cases and seeded hidden ones.

Public cases are the assignment notebook's own, so a self-check prints what the
notebook prints. Hidden cases are drawn from a generator seeded by the
instructor's secret, the submission's hash and the check id: the same
submission always gets the same cases (grading is reproducible), another
submission gets other ones, and without the secret nobody can know them. They
vary N, C, F, H != W, HH != WW, stride 1..3, pad 0..2, pool windows whose
stride differs from their size (overlapping or leaving gaps), float64 and
float32.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from reference import notebook_cases


@dataclass(frozen=True)
class ConvCase:
    x: np.ndarray  # (N, C, H, W)
    w: np.ndarray  # (F, C, HH, WW)
    b: np.ndarray  # (F,)
    conv_param: dict[str, int]
    dout: np.ndarray  # (N, F, H', W'), the upstream gradient for backward checks

    def describe(self) -> str:
        """Shapes and params only: safe to show for public cases, never used for hidden ones."""
        return f"x {self.x.shape}, w {self.w.shape}, {self.conv_param}"


@dataclass(frozen=True)
class PoolCase:
    x: np.ndarray  # (N, C, H, W)
    pool_param: dict[str, int]
    dout: np.ndarray  # (N, C, H', W')

    def describe(self) -> str:
        return f"x {self.x.shape}, {self.pool_param}"


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


def sandwich_public(pool: bool) -> tuple[ConvCase, dict[str, int] | None]:
    """'Sandwich layers' cells: x (2,3,8,8), w (3,3,3,3), stride 1, pad 1 (+ 2x2 pool stride 2)."""
    rs = np.random.RandomState(231)
    x = rs.randn(2, 3, 8, 8)
    w = rs.randn(3, 3, 3, 3)
    b = rs.randn(3)
    dout = rs.randn(2, 3, 4, 4) if pool else rs.randn(2, 3, 8, 8)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2} if pool else None
    return ConvCase(x, w, b, {"stride": 1, "pad": 1}, dout), pool_param


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
