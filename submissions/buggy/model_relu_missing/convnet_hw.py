"""CS231n assignment 2, convolutional networks -- everything in one file.

Written by a student who moved their layers, sandwich layers and the
three-layer network out of the course package into a single module.
"""
import numpy as np

from cs231n.fast_layers import conv_forward_fast, conv_backward_fast
from cs231n.fast_layers import max_pool_forward_fast, max_pool_backward_fast


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
    stride, pad = conv_param["stride"], conv_param["pad"]
    n_img, _, height, width = x.shape
    n_filt, _, fh, fw = w.shape
    oh = (height + 2 * pad - fh) // stride + 1
    ow = (width + 2 * pad - fw) // stride + 1
    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    out = np.zeros((n_img, n_filt, oh, ow))
    for r in range(oh):
        for c in range(ow):
            window = padded[:, :, r * stride:r * stride + fh, c * stride:c * stride + fw]
            # (N, C, fh, fw) x (F, C, fh, fw) -> (N, F)
            out[:, :, r, c] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, height, width = x.shape
    _, _, fh, fw = w.shape
    _, _, oh, ow = dout.shape
    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    dpadded = np.zeros(padded.shape)
    dw = np.zeros(w.shape)
    for r in range(oh):
        for c in range(ow):
            rs = slice(r * stride, r * stride + fh)
            cs = slice(c * stride, c * stride + fw)
            g = dout[:, :, r, c]  # (N, F)
            dw += np.tensordot(g, padded[:, :, rs, cs], axes=([0], [0]))
            dpadded[:, :, rs, cs] += np.tensordot(g, w, axes=([1], [0]))
    db = dout.sum(axis=(0, 2, 3))
    dx = dpadded[:, :, pad:pad + height, pad:pad + width]
    return dx, dw, db


# ---------------------------------------------------------------- pooling

def max_pool_forward_naive(x, pool_param):
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    s = pool_param["stride"]
    n_img, chans, height, width = x.shape
    oh, ow = (height - ph) // s + 1, (width - pw) // s + 1
    out = np.zeros((n_img, chans, oh, ow))
    for r in range(oh):
        for c in range(ow):
            out[:, :, r, c] = x[:, :, r * s:r * s + ph, c * s:c * s + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    s = pool_param["stride"]
    n_img, chans, _, _ = x.shape
    _, _, oh, ow = dout.shape
    dx = np.zeros(x.shape)
    for r in range(oh):
        for c in range(ow):
            window = x[:, :, r * s:r * s + ph, c * s:c * s + pw].reshape(n_img, chans, -1)
            winner = window.argmax(axis=2)
            for i in range(n_img):
                for ch in range(chans):
                    dr, dc = divmod(winner[i, ch], pw)
                    dx[i, ch, r * s + dr, c * s + dc] += dout[i, ch, r, c]
    return dx


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

        a1, c1a = conv_forward_fast(X, p["W1"], p["b1"], conv_param)
        h1, c1p = max_pool_forward_fast(a1, pool_param)
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
        da1 = max_pool_backward_fast(dh1, c1p)
        _, grads["W1"], grads["b1"] = conv_backward_fast(da1, c1a)
        for k in ("W1", "W2", "W3"):
            grads[k] = grads[k] + self.reg * p[k]
        return loss, grads
