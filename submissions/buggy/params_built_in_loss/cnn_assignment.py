"""
ConvNet homework (2018). My net figures out its own sizes the first time it
sees data, so nothing has to be computed by hand in __init__.
"""
import numpy as np
from cs231n.fast_layers import conv_forward_fast, conv_backward_fast, \
    max_pool_forward_fast, max_pool_backward_fast


def affine_forward(x, w, b):
    N = x.shape[0]
    return np.dot(x.reshape(N, -1), w) + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    return np.dot(dout, w.T).reshape(x.shape), np.dot(x.reshape(N, -1).T, dout), dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0)


def softmax_loss(x, y):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    N = len(y)
    loss = np.mean(-np.log(p[np.arange(N), y]))
    p[np.arange(N), y] -= 1
    return loss, p / N


class ThreeLayerConvNet(object):
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax"""

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32):
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        # remember the hyperparameters; the weights are made on the first forward pass
        self.num_filters = num_filters
        self.filter_size = filter_size
        self.hidden_dim = hidden_dim
        self.num_classes = num_classes
        self.weight_scale = weight_scale

    def _make_weights(self, X):
        N, C, H, W = X.shape
        F, k, s = self.num_filters, self.filter_size, self.weight_scale
        self.params['W1'] = s * np.random.randn(F, C, k, k)
        self.params['b1'] = np.zeros(F)
        self.params['W2'] = s * np.random.randn(F * (H // 2) * (W // 2), self.hidden_dim)
        self.params['b2'] = np.zeros(self.hidden_dim)
        self.params['W3'] = s * np.random.randn(self.hidden_dim, self.num_classes)
        self.params['b3'] = np.zeros(self.num_classes)
        for name in self.params:
            self.params[name] = self.params[name].astype(self.dtype)

    def loss(self, X, y=None):
        if 'W1' not in self.params:
            self._make_weights(X)
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        W3, b3 = self.params['W3'], self.params['b3']
        conv_param = {'stride': 1, 'pad': (W1.shape[2] - 1) // 2}
        pool_param = {'pool_height': 2, 'pool_width': 2, 'stride': 2}

        a1, conv_cache = conv_forward_fast(X, W1, b1, conv_param)
        r1, relu1_cache = relu_forward(a1)
        p1, pool_cache = max_pool_forward_fast(r1, pool_param)
        a2, fc1_cache = affine_forward(p1, W2, b2)
        r2, relu2_cache = relu_forward(a2)
        scores, fc2_cache = affine_forward(r2, W3, b3)
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))

        grads = {}
        dr2, grads['W3'], grads['b3'] = affine_backward(dscores, fc2_cache)
        dp1, grads['W2'], grads['b2'] = affine_backward(relu_backward(dr2, relu2_cache), fc1_cache)
        dr1 = max_pool_backward_fast(dp1, pool_cache)
        _, grads['W1'], grads['b1'] = conv_backward_fast(relu_backward(dr1, relu1_cache), conv_cache)
        grads['W1'] += self.reg * W1
        grads['W2'] += self.reg * W2
        grads['W3'] += self.reg * W3
        return loss, grads
