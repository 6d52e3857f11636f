"""Each known normalization bug, written as a variant, gives a different answer from the reference."""

import numpy as np
import pytest

from grader.judge.layers.norm_variants import VARIANTS
from reference import layers

N, C, H, W, G = 3, 4, 3, 5, 2


def generic_case():
    rng = np.random.default_rng(25)
    x = 3 * rng.normal(size=(N, C, H, W)) + 1
    return x, rng.normal(size=C), rng.normal(size=C), rng.normal(size=(N, C, H, W))


def run(layer_name, layer, x, gamma, beta, dout, forward=None):
    """What the layer gives on the case: outputs, gradients, and a test-mode pass after training.

    A backward pass gets the cache of ``forward``: the reference's unless given.
    """
    if layer_name == "spatial_batchnorm_forward":
        bn_param = {"mode": "train"}
        out, _ = layer(x, gamma, beta, bn_param)
        bn_param["mode"] = "test"
        test_out, _ = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
        return [out, test_out]
    gamma_gn, beta_gn = gamma.reshape(1, C, 1, 1), beta.reshape(1, C, 1, 1)
    if layer_name == "spatial_groupnorm_forward":
        return [layer(x, gamma_gn, beta_gn, G, {})[0]]
    if layer_name == "spatial_batchnorm_backward":
        _, cache = (forward or layers.spatial_batchnorm_forward)(x, gamma, beta, {"mode": "train"})
        return list(layer(dout, cache))
    _, cache = (forward or layers.spatial_groupnorm_forward)(x, gamma_gn, beta_gn, G, {})
    return list(layer(dout, cache))


def same(a, b):
    return all(np.shape(p) == np.shape(q) and np.allclose(p, q) for p, q in zip(a, b, strict=True))


@pytest.mark.parametrize("bug", sorted(VARIANTS))
def test_variant_differs_from_the_reference(bug):
    layer_name, variant = VARIANTS[bug]
    case = generic_case()
    want = run(layer_name, getattr(layers, layer_name), *case)
    got = run(layer_name, variant, *case)
    assert not same(got, want)


def test_the_comparison_itself_accepts_the_reference():
    case = generic_case()
    for layer_name in {name for name, _ in VARIANTS.values()}:
        layer = getattr(layers, layer_name)
        assert same(run(layer_name, layer, *case), run(layer_name, layer, *case))
