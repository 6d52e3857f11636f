import numpy as np

from cs231n.fast_layers import *


# ---------- basic layers (copied over from my assignment 1 / fc_net work) ----------

def affine_forward(x, w, b):
    x2d = np.reshape(x, (x.shape[0], np.prod(x.shape[1:])))
    out = np.matmul(x2d, w) + b
    return out, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    x2d = np.reshape(x, (x.shape[0], np.prod(x.shape[1:])))
    dx = np.reshape(np.matmul(dout, w.T), x.shape)
    dw = np.matmul(x2d.T, dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db

def relu_forward(x):
    mask = x > 0
    return x * mask, mask

def relu_backward(dout, cache):
    return dout * cache

def softmax_loss(x, y):
    N = x.shape[0]
    z = x - np.max(x, axis=1).reshape(-1, 1)
    sum_exp = np.sum(np.exp(z), axis=1)
    loss = np.sum(np.log(sum_exp) - z[np.arange(N), y]) / N
    dx = np.exp(z) / sum_exp.reshape(-1, 1)
    dx[np.arange(N), y] -= 1
    return loss, dx / N


# ---------- the network ----------

class ThreeLayerConvNet(object):
    """
    conv - relu - 2x2 max pool - affine - relu - affine - softmax
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32):
        self.params = {}
        self.reg = reg
        self.dtype = dtype

        C, H, W = input_dim
        self.params['W1'] = np.random.normal(0, weight_scale, (num_filters, C, 7, 7))
        self.params['b1'] = np.zeros(num_filters)
        # conv keeps H x W, the 2x2 pool halves both
        self.params['W2'] = np.random.normal(0, weight_scale, (num_filters * H * W // 4, hidden_dim))
        self.params['b2'] = np.zeros(hidden_dim)
        self.params['W3'] = np.random.normal(0, weight_scale, (hidden_dim, num_classes))
        self.params['b3'] = np.zeros(num_classes)

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        W3, b3 = self.params['W3'], self.params['b3']

        filter_size = W1.shape[2]
        conv_param = {'stride': 1, 'pad': (filter_size - 1) // 2}
        pool_param = {'pool_height': 2, 'pool_width': 2, 'stride': 2}

        c, conv_cache = conv_forward_fast(X, W1, b1, conv_param)
        r, relu_cache1 = relu_forward(c)
        p, pool_cache = max_pool_forward_fast(r, pool_param)
        h, fc_cache1 = affine_forward(p, W2, b2)
        hr, relu_cache2 = relu_forward(h)
        scores, fc_cache2 = affine_forward(hr, W3, b3)

        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3)))

        grads = {}
        dhr, dW3, db3 = affine_backward(dscores, fc_cache2)
        dp, dW2, db2 = affine_backward(relu_backward(dhr, relu_cache2), fc_cache1)
        dr = max_pool_backward_fast(dp, pool_cache)
        _, dW1, db1 = conv_backward_fast(relu_backward(dr, relu_cache1), conv_cache)

        grads['W1'], grads['b1'] = dW1 + self.reg * W1, db1
        grads['W2'], grads['b2'] = dW2 + self.reg * W2, db2
        grads['W3'], grads['b3'] = dW3 + self.reg * W3, db3
        return loss, grads
