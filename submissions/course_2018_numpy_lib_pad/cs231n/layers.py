from builtins import range
from past.builtins import xrange
import numpy as np


def affine_forward(x, w, b):
  """
  Computes the forward pass for an affine (fully-connected) layer.

  Inputs:
  - x: A numpy array containing input data, of shape (N, d_1, ..., d_k)
  - w: A numpy array of weights, of shape (D, M)
  - b: A numpy array of biases, of shape (M,)

  Returns a tuple of:
  - out: output, of shape (N, M)
  - cache: (x, w, b)
  """
  out = None
  #############################################################################
  # TODO: Implement the affine forward pass. Store the result in out. You     #
  # will need to reshape the input into rows.                                 #
  #############################################################################
  N = x.shape[0]
  out = x.reshape(N, np.product(x.shape[1:])).dot(w) + b
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  cache = (x, w, b)
  return out, cache


def affine_backward(dout, cache):
  """
  Computes the backward pass for an affine layer.
  """
  x, w, b = cache
  dx, dw, db = None, None, None
  #############################################################################
  # TODO: Implement the affine backward pass.                                 #
  #############################################################################
  N = x.shape[0]
  dx = dout.dot(w.T).reshape(x.shape)
  dw = x.reshape(N, -1).T.dot(dout)
  db = dout.sum(axis=0)
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  return dx, dw, db


def relu_forward(x):
  """
  Computes the forward pass for a layer of rectified linear units (ReLUs).
  """
  out = None
  #############################################################################
  # TODO: Implement the ReLU forward pass.                                    #
  #############################################################################
  out = np.maximum(0, x)
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  cache = x
  return out, cache


def relu_backward(dout, cache):
  """
  Computes the backward pass for a layer of rectified linear units (ReLUs).
  """
  dx, x = None, cache
  #############################################################################
  # TODO: Implement the ReLU backward pass.                                   #
  #############################################################################
  mask = (x > 0).astype(np.float)
  dx = dout * mask
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  return dx


def conv_forward_naive(x, w, b, conv_param):
  """
  A naive implementation of the forward pass for a convolutional layer.
  """
  out = None
  #############################################################################
  # TODO: Implement the convolutional forward pass.                           #
  # Hint: you can use the function np.pad for padding.                        #
  #############################################################################
  stride, pad = conv_param['stride'], conv_param['pad']
  N, C, H, W = x.shape
  F, _, HH, WW = w.shape
  H_out = np.int(1 + (H + 2 * pad - HH) / stride)
  W_out = np.int(1 + (W + 2 * pad - WW) / stride)
  xp = np.lib.pad(x, ((0,), (0,), (pad,), (pad,)), 'constant')
  out = np.zeros((N, F, H_out, W_out))
  for n in xrange(N):
    for f in xrange(F):
      for i in xrange(H_out):
        for j in xrange(W_out):
          window = xp[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW]
          out[n, f, i, j] = np.sum(window * w[f]) + b[f]
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  cache = (x, w, b, conv_param)
  return out, cache


def conv_backward_naive(dout, cache):
  """
  A naive implementation of the backward pass for a convolutional layer.
  """
  dx, dw, db = None, None, None
  #############################################################################
  # TODO: Implement the convolutional backward pass.                          #
  #############################################################################
  x, w, b, conv_param = cache
  stride, pad = conv_param['stride'], conv_param['pad']
  N, C, H, W = x.shape
  F, _, HH, WW = w.shape
  _, _, H_out, W_out = dout.shape
  xp = np.lib.pad(x, ((0,), (0,), (pad,), (pad,)), 'constant')
  dxp = np.zeros_like(xp)
  dw = np.zeros_like(w)
  db = dout.sum(axis=(0, 2, 3))
  for n in xrange(N):
    for f in xrange(F):
      for i in xrange(H_out):
        for j in xrange(W_out):
          hs, ws = i * stride, j * stride
          dw[f] += xp[n, :, hs:hs+HH, ws:ws+WW] * dout[n, f, i, j]
          dxp[n, :, hs:hs+HH, ws:ws+WW] += w[f] * dout[n, f, i, j]
  dx = dxp[:, :, pad:pad+H, pad:pad+W]
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  return dx, dw, db


def max_pool_forward_naive(x, pool_param):
  """
  A naive implementation of the forward pass for a max pooling layer.
  """
  out = None
  #############################################################################
  # TODO: Implement the max pooling forward pass                              #
  #############################################################################
  N, C, H, W = x.shape
  ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
  H_out = np.int((H - ph) / s + 1)
  W_out = np.int((W - pw) / s + 1)
  out = np.zeros((N, C, H_out, W_out))
  for i in range(H_out):
    for j in range(W_out):
      out[:, :, i, j] = x[:, :, i*s:i*s+ph, j*s:j*s+pw].max(axis=(2, 3))
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  cache = (x, pool_param)
  return out, cache


def max_pool_backward_naive(dout, cache):
  """
  A naive implementation of the backward pass for a max pooling layer.
  """
  dx = None
  #############################################################################
  # TODO: Implement the max pooling backward pass                             #
  #############################################################################
  x, pool_param = cache
  N, C, H, W = x.shape
  ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
  dx = np.zeros_like(x)
  for n in range(N):
    for c in range(C):
      for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
          win = x[n, c, i*s:i*s+ph, j*s:j*s+pw]
          r, q = np.unravel_index(np.argmax(win), win.shape)
          dx[n, c, i*s+r, j*s+q] += dout[n, c, i, j]
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  return dx


def softmax_loss(x, y):
  """
  Computes the loss and gradient for softmax classification.
  """
  shifted_logits = x - np.max(x, axis=1, keepdims=True)
  Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
  log_probs = shifted_logits - np.log(Z)
  probs = np.exp(log_probs)
  N = x.shape[0]
  loss = -np.sum(log_probs[np.arange(N), y]) / N
  dx = probs.copy()
  dx[np.arange(N), y] -= 1
  dx /= N
  return loss, dx
