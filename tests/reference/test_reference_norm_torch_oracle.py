"""Spatial batch and group normalization against PyTorch's batch_norm and group_norm (needs torch)."""

import numpy as np
import pytest

from reference import layers
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


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (5, 1, 3, 2), (1, 4, 6, 6)])
def test_spatial_batchnorm_matches_torch(shape):
    rng = np.random.default_rng(sum(shape))
    x = 3 * rng.normal(size=shape) + 2
    C = shape[1]
    gamma, beta, dout = rng.normal(size=C), rng.normal(size=C), rng.normal(size=shape)
    bn_param = {"mode": "train", "momentum": 0.9, "eps": 1e-5}
    out, cache = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    grads = layers.spatial_batchnorm_backward(dout, cache)

    running_mean, running_var = torch.zeros(C, dtype=torch.float64), torch.zeros(C, dtype=torch.float64)

    def forward(x, gamma, beta):
        # torch's momentum weighs the new batch; its running variance is unbiased, CS231n's biased
        return F.batch_norm(x, running_mean, running_var, gamma, beta, training=True, momentum=0.1, eps=1e-5)

    want_out, want_grads = torch_grads(forward, [x, gamma, beta], dout)
    assert rel_error(out, want_out) < 1e-10
    for got, want in zip(grads, want_grads, strict=True):
        assert rel_error(got, want) < 1e-8
    np.testing.assert_allclose(bn_param["running_mean"], running_mean.numpy())
    m = x.size // C
    np.testing.assert_allclose(bn_param["running_var"], running_var.numpy() * (m - 1) / m)


@pytest.mark.parametrize("shape, G", [((2, 6, 4, 5), 2), ((3, 4, 2, 3), 4), ((1, 6, 3, 3), 1)])
def test_spatial_groupnorm_matches_torch(shape, G):
    rng = np.random.default_rng(G + sum(shape))
    x = 3 * rng.normal(size=shape) + 2
    C = shape[1]
    gamma, beta = rng.normal(size=(1, C, 1, 1)), rng.normal(size=(1, C, 1, 1))
    dout = rng.normal(size=shape)
    out, cache = layers.spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
    grads = layers.spatial_groupnorm_backward(dout, cache)

    def forward(x, gamma, beta):
        return F.group_norm(x, G, gamma.reshape(C), beta.reshape(C), eps=1e-5)

    want_out, want_grads = torch_grads(forward, [x, gamma, beta], dout)
    assert rel_error(out, want_out) < 1e-10
    for got, want in zip(grads, want_grads, strict=True):
        assert got.shape == want.shape
        assert rel_error(got, want) < 1e-8
