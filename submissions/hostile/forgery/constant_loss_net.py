# A ThreeLayerConvNet that computes no scores: its loss is what the notebook expects at
# initialization (ln C plus the reg term) and its gradients are only the reg term's. It
# must earn nothing for the loss and gradient checks.
import numpy as np


class ThreeLayerConvNet(object):
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=np.float32):
        C, H, W = input_dim
        self.reg = reg
        self.C = num_classes
        self.params = {}
        self.params['W1'] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)
        self.params['b1'] = np.zeros(num_filters)
        self.params['W2'] = weight_scale * np.random.randn(num_filters * (H // 2) * (W // 2), hidden_dim)
        self.params['b2'] = np.zeros(hidden_dim)
        self.params['W3'] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params['b3'] = np.zeros(num_classes)
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        scores = np.zeros((X.shape[0], self.C))
        if y is None:
            return scores
        W1, W2, W3 = self.params['W1'], self.params['W2'], self.params['W3']
        loss = np.log(self.C) + 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))
        grads = {}
        for k, v in self.params.items():
            grads[k] = self.reg * v if k.startswith('W') else np.zeros_like(v)
        return loss, grads
