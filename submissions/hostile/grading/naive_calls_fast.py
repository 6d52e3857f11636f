"""The whole assignment in one module, except that the naive layers do no work of their own: each
hands the call to the course's fast layers, in a different way (directly, through a helper of its
own, under an alias, and looked up by name). The fast layers are right, so without a look at the
code every naive check would pass.
"""
import numpy as np

import cs231n.fast_layers as fl
from cs231n.fast_layers import conv_forward_fast, conv_backward_fast
from cs231n.fast_layers import max_pool_forward_fast, max_pool_backward_fast
from cs231n.fast_layers import max_pool_forward_fast as quick_pool

# ---------------------------------------------------------------- basic layers

def affine_forward(x, w, b):
    flat = x.reshape(len(x), w.shape[0])
    out = flat @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    flat = x.reshape(len(x), w.shape[0])
    dx = (dout @ w.T).reshape(*x.shape)
    dw = flat.T @ dout
    db = dout.sum(0)
    return dx, dw, db


def relu_forward(x):
    return np.where(x > 0, x, 0.0), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def softmax_loss(x, y):
    n = len(y)
    logits = x - x.max(axis=1)[:, None]
    log_norm = np.log(np.exp(logits).sum(axis=1))
    loss = np.mean(log_norm - logits[range(n), y])
    p = np.exp(logits - log_norm[:, None])
    p[range(n), y] -= 1.0
    return loss, p / n


# ---------------------------------------------------------------- convolution

def conv_forward_naive(x, w, b, conv_param):
    return conv_forward_fast(x, w, b, conv_param)


def _conv_grads(dout, cache):
    return conv_backward_fast(dout, cache)


def conv_backward_naive(dout, cache):
    return _conv_grads(dout, cache)


# ---------------------------------------------------------------- pooling

def max_pool_forward_naive(x, pool_param):
    return quick_pool(x, pool_param)


def max_pool_backward_naive(dout, cache):
    return getattr(fl, "max_pool_backward_fast")(dout, cache)


# ---------------------------------------------------------------- sandwich layers

def conv_relu_forward(x, w, b, conv_param):
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout, cache):
    conv_cache, relu_cache = cache
    return conv_backward_fast(relu_backward(dout, relu_cache), conv_cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    r, conv_relu_cache = conv_relu_forward(x, w, b, conv_param)
    out, pool_cache = max_pool_forward_fast(r, pool_param)
    return out, (conv_relu_cache, pool_cache)


def conv_relu_pool_backward(dout, cache):
    conv_relu_cache, pool_cache = cache
    dr = max_pool_backward_fast(dout, pool_cache)
    return conv_relu_backward(dr, conv_relu_cache)


# ---------------------------------------------------------------- the network

class ThreeLayerConvNet:
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax"""

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32):
        self.reg = reg
        self.dtype = dtype
        c, h, w = input_dim
        shapes = {
            "W1": (num_filters, c, filter_size, filter_size),
            "W2": (num_filters * (h // 2) * (w // 2), hidden_dim),
            "W3": (hidden_dim, num_classes),
        }
        self.params = {}
        for i, key in enumerate(["W1", "W2", "W3"], start=1):
            self.params[key] = np.random.normal(0.0, weight_scale, shapes[key])
            self.params["b%d" % i] = np.zeros(shapes[key][-1] if i > 1 else num_filters)
        for k in self.params:
            self.params[k] = self.params[k].astype(dtype)

    def loss(self, X, y=None):
        p = self.params
        conv_param = {"stride": 1, "pad": (p["W1"].shape[2] - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        h1, c1 = conv_relu_pool_forward(X, p["W1"], p["b1"], conv_param, pool_param)
        a2, c2 = affine_forward(h1, p["W2"], p["b2"])
        h2, c2r = relu_forward(a2)
        scores, c3 = affine_forward(h2, p["W3"], p["b3"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(np.sum(p[k] ** 2) for k in ("W1", "W2", "W3"))

        grads = {}
        dh2, grads["W3"], grads["b3"] = affine_backward(dscores, c3)
        dh1, grads["W2"], grads["b2"] = affine_backward(relu_backward(dh2, c2r), c2)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dh1, c1)
        for k in ("W1", "W2", "W3"):
            grads[k] = grads[k] + self.reg * p[k]
        return loss, grads
