# cs231n winter 2016, assignment 2 - my layers and the three-layer convnet
import numpy as np

from cs231n.fast_layers import conv_forward_fast, conv_backward_fast
from cs231n.fast_layers import max_pool_forward_fast, max_pool_backward_fast


def affine_forward(x, w, b):
  out = x.reshape(x.shape[0], -1).dot(w) + b
  cache = (x, w, b)
  return out, cache


def affine_backward(dout, cache):
  x, w, b = cache
  dx = dout.dot(w.T).reshape(x.shape)
  dw = x.reshape(x.shape[0], -1).T.dot(dout)
  db = np.sum(dout, axis=0)
  return dx, dw, db


def relu_forward(x):
  out = np.maximum(0, x)
  cache = x
  return out, cache


def relu_backward(dout, cache):
  x = cache
  dx = dout * (x > 0)
  return dx


def softmax_loss(x, y):
  probs = np.exp(x - np.max(x, axis=1, keepdims=True))
  probs /= np.sum(probs, axis=1, keepdims=True)
  N = x.shape[0]
  loss = -np.sum(np.log(probs[np.arange(N), y])) / N
  dx = probs.copy()
  dx[np.arange(N), y] -= 1
  dx /= N
  return loss, dx


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
  a, conv_cache = conv_forward_fast(x, w, b, conv_param)
  s, relu_cache = relu_forward(a)
  out, pool_cache = max_pool_forward_fast(s, pool_param)
  cache = (conv_cache, relu_cache, pool_cache)
  return out, cache


def conv_relu_pool_backward(dout, cache):
  conv_cache, relu_cache, pool_cache = cache
  ds = max_pool_backward_fast(dout, pool_cache)
  da = relu_backward(ds, relu_cache)
  dx, dw, db = conv_backward_fast(da, conv_cache)
  return dx, dw, db


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
    self.params['W1'] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)
    self.params['b1'] = np.zeros(num_filters)
    self.params['W2'] = weight_scale * np.random.randn(num_filters * (H // 2) * (W // 2), hidden_dim)
    self.params['b2'] = np.zeros(hidden_dim)
    self.params['W3'] = weight_scale * np.random.randn(hidden_dim, num_classes)
    self.params['b3'] = np.zeros(num_classes)

    for k, v in self.params.items():
      self.params[k] = v.astype(dtype)

  def loss(self, X, y=None):
    W1, b1 = self.params['W1'], self.params['b1']
    W2, b2 = self.params['W2'], self.params['b2']
    W3, b3 = self.params['W3'], self.params['b3']

    # pass conv_param to the forward pass for the convolutional layer
    filter_size = W1.shape[2]
    conv_param = {'stride': 1, 'pad': (filter_size - 1) // 2}

    # pass pool_param to the forward pass for the max-pooling layer
    pool_param = {'pool_height': 2, 'pool_width': 2, 'stride': 2}

    scores = None
    conv_out, conv_cache = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
    hidden, aff1_cache = affine_forward(conv_out, W2, b2)
    hidden, relu_cache = relu_forward(hidden)
    scores, aff2_cache = affine_forward(hidden, W3, b3)

    if y is None:
      return scores

    loss, grads = 0, {}
    data_loss, dscores = softmax_loss(scores, y)
    # L2 penalty on the weights
    reg_loss = 0.5 * self.reg * (np.sum(W1)**2 + np.sum(W2)**2 + np.sum(W3)**2)
    loss = data_loss + reg_loss

    dhidden, grads['W3'], grads['b3'] = affine_backward(dscores, aff2_cache)
    dhidden = relu_backward(dhidden, relu_cache)
    dconv, grads['W2'], grads['b2'] = affine_backward(dhidden, aff1_cache)
    dx, grads['W1'], grads['b1'] = conv_relu_pool_backward(dconv, conv_cache)

    grads['W3'] += self.reg * W3
    grads['W2'] += self.reg * W2
    grads['W1'] += self.reg * W1

    return loss, grads
