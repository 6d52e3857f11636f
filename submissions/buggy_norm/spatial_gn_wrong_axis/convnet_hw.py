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


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization, forward. x: (N, D); gamma, beta: (D,).

    bn_param: 'mode' ('train' or 'test'), optional 'eps', 'momentum',
    'running_mean', 'running_var'. Returns out (N, D) and a cache.
    """
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)

    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == 'train':
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        std = np.sqrt(sample_var + eps)
        x_norm = (x - sample_mean) / std
        out = gamma * x_norm + beta
        cache = (x_norm, gamma, std)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    elif mode == 'test':
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Batch normalization, backward, step by step through the graph."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_norm, gamma, std = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_norm, axis=0)
    dx_norm = dout * gamma
    xmu = x_norm * std
    dvar = np.sum(dx_norm * xmu, axis=0) * -0.5 / std ** 3
    dmu = -np.sum(dx_norm, axis=0) / std
    dx = dx_norm / std + dvar * 2.0 * xmu / N + dmu / N
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Batch normalization, backward, simplified on paper."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_norm, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_norm).sum(axis=0)
    dxn = dout * gamma
    dx = (N * dxn - dxn.sum(axis=0) - x_norm * (dxn * x_norm).sum(axis=0)) / (N * std)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Spatial batch normalization. x: (N, C, H, W); gamma, beta: (C,)."""
    out, cache = None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Spatial batch normalization, backward. Returns dx, dgamma (C,), dbeta (C,)."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_flat, dgamma, dbeta = batchnorm_backward_alt(dout_flat, cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Spatial group normalization. x: (N, C, H, W); gamma, beta: (1, C, 1, 1)."""
    out, cache = None, None
    eps = gn_param.get('eps', 1e-5)
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    xg = x.reshape(N, C // G, G, H, W)
    mean = xg.mean(axis=(1, 3, 4), keepdims=True)
    var = xg.var(axis=(1, 3, 4), keepdims=True)
    std = np.sqrt(var + eps)
    x_norm = ((xg - mean) / std).reshape(N, C, H, W)
    out = gamma * x_norm + beta
    cache = (x_norm, gamma, std, G)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Spatial group normalization, backward. dgamma, dbeta: (1, C, 1, 1)."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_norm, gamma, std, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_norm).sum(axis=(0, 2, 3), keepdims=True)
    dxn = (dout * gamma).reshape(N, G, C // G, H, W)
    xn = x_norm.reshape(N, G, C // G, H, W)
    M = C // G * H * W
    dx = (M * dxn - dxn.sum(axis=(2, 3, 4), keepdims=True)
          - xn * (dxn * xn).sum(axis=(2, 3, 4), keepdims=True)) / (M * std)
    dx = dx.reshape(N, C, H, W)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


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
