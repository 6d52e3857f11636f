"""The fast layers against PyTorch's conv2d and max_pool2d, forward and backward (skipped without torch)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference import fast_layers
from reference.gradient_check import rel_error

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = pytest.mark.torch


def torch_grads(forward, arrays, dout):
    """Outputs and input gradients of forward(*tensors) with upstream gradient dout, in float64."""
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = forward(*tensors)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


@settings(max_examples=40, deadline=None)
@given(
    N=st.integers(1, 3),
    C=st.integers(1, 4),
    F_=st.integers(1, 4),
    HH=st.integers(1, 5),
    WW=st.integers(1, 5),
    stride=st.integers(1, 3),
    pad=st.integers(0, 3),
    extra_h=st.integers(0, 6),
    extra_w=st.integers(0, 6),
    seed=st.integers(0, 2**31),
)
def test_conv_matches_torch(N, C, F_, HH, WW, stride, pad, extra_h, extra_w, seed):
    rng = np.random.default_rng(seed)
    H, W = max(1, HH - 2 * pad) + extra_h, max(1, WW - 2 * pad) + extra_w
    x, w, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F_, C, HH, WW)), rng.standard_normal(F_)
    out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})
    dout = rng.standard_normal(out.shape)
    expected, expected_grads = torch_grads(
        lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=pad), [x, w, b], dout
    )
    assert rel_error(out, expected) < 1e-9
    for grad, expected_grad in zip(fast_layers.conv_backward_fast(dout, cache), expected_grads, strict=True):
        assert rel_error(grad, expected_grad) < 1e-9


@settings(max_examples=40, deadline=None)
@given(
    N=st.integers(1, 3),
    C=st.integers(1, 3),
    ph=st.integers(1, 4),
    pw=st.integers(1, 4),
    stride=st.integers(1, 4),
    extra_h=st.integers(0, 8),
    extra_w=st.integers(0, 8),
    seed=st.integers(0, 2**31),
)
def test_max_pool_matches_torch(N, C, ph, pw, stride, extra_h, extra_w, seed):
    rng = np.random.default_rng(seed)
    # Continuous random inputs: no ties, where torch and the course may pick different maxima.
    x = rng.standard_normal((N, C, ph + extra_h, pw + extra_w))
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
    dout = rng.standard_normal(out.shape)
    expected, (expected_dx,) = torch_grads(lambda x: F.max_pool2d(x, (ph, pw), stride=stride), [x], dout)
    np.testing.assert_array_equal(out, expected)
    assert rel_error(fast_layers.max_pool_backward_fast(dout, cache), expected_dx) < 1e-12
