"""The assignment's three-layer convolutional network."""

import numpy as np

from .layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from .layers import affine_backward, affine_forward, conv_output_size, softmax_loss


class ThreeLayerConvNet:
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax.

    The convolution has stride 1 and pads by (filter_size - 1) // 2, so an odd filter keeps H and W;
    the pool is 2x2 with stride 2. Input minibatches are (N, C, H, W).

    Parameters (``self.params``):
    - W1 (num_filters, C, filter_size, filter_size), b1 (num_filters,)
    - W2 (num_filters * H_pool * W_pool, hidden_dim), b2 (hidden_dim,)
    - W3 (hidden_dim, num_classes), b3 (num_classes,)
    Weights start as weight_scale * N(0, 1), biases as zeros, all of the given dtype.
    """

    def __init__(
        self,
        input_dim: tuple[int, int, int] = (3, 32, 32),
        num_filters: int = 32,
        filter_size: int = 7,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        reg: float = 0.0,
        dtype: type = np.float32,
    ) -> None:
        self.reg = reg
        self.dtype = dtype
        C, H, W = input_dim
        pad = (filter_size - 1) // 2
        H_pool = conv_output_size(conv_output_size(H, filter_size, pad, 1), 2, 0, 2)
        W_pool = conv_output_size(conv_output_size(W, filter_size, pad, 1), 2, 0, 2)
        self.params = {
            "W1": weight_scale * np.random.randn(num_filters, C, filter_size, filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * np.random.randn(num_filters * H_pool * W_pool, hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * np.random.randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Class scores, or the loss and its gradients.

        Inputs: X (N, C, H, W); y (N,) labels or None.
        Returns scores (N, num_classes) when y is None; otherwise (loss, grads) where
        loss = softmax cross-entropy + 0.5 * reg * (|W1|^2 + |W2|^2 + |W3|^2) and grads maps each
        parameter name to its gradient.
        """
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]
        conv_param = {"stride": 1, "pad": (W1.shape[2] - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        pooled, pool_cache = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
        hidden, hidden_cache = affine_relu_forward(pooled, W2, b2)
        scores, scores_cache = affine_forward(hidden, W3, b3)
        if y is None:
            return scores

        data_loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.5 * self.reg * sum(float(np.vdot(W, W)) for W in (W1, W2, W3))
        grads = {}
        dhidden, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, hidden_cache)
        # The input needs no gradient, which saves a third of the convolution's backward pass.
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dpooled, pool_cache, need_dx=False)
        for name, W in (("W1", W1), ("W2", W2), ("W3", W3)):
            grads[name] += self.reg * W
        return data_loss + reg_loss, grads
