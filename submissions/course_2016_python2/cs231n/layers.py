import numpy as np


def affine_forward(x, w, b):
  """
  Computes the forward pass for an affine (fully-connected) layer.
  """
  out = None
  #############################################################################
  # TODO: Implement the affine forward pass. Store the result in out. You     #
  # will need to reshape the input into rows.                                 #
  #############################################################################
  out = np.dot(x.reshape(x.shape[0], -1), w) + b
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  cache = (x, w, b)
  return out, cache


def affine_backward(dout, cache):
  x, w, b = cache
  dx, dw, db = None, None, None
  dx = np.dot(dout, w.T).reshape(x.shape)
  dw = np.dot(x.reshape(x.shape[0], -1).T, dout)
  db = np.sum(dout, axis=0)
  return dx, dw, db


def relu_forward(x):
  out = np.maximum(0, x)
  cache = x
  return out, cache


def relu_backward(dout, cache):
  dx, x = None, cache
  dx = dout * (x > 0)
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
  N, C, H, W = x.shape
  F, C, HH, WW = w.shape
  stride = conv_param['stride']
  pad = conv_param['pad']
  # integer division: these are ints in Python 2
  H_new = 1 + (H + 2 * pad - HH) / stride
  W_new = 1 + (W + 2 * pad - WW) / stride
  x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
  out = np.zeros((N, F, H_new, W_new))
  for n in xrange(N):
    for f in xrange(F):
      for i in xrange(H_new):
        for j in xrange(W_new):
          out[n, f, i, j] = np.sum(x_pad[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] * w[f]) + b[f]
  print 'conv forward output shape', out.shape
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  cache = (x, w, b, conv_param)
  return out, cache


def conv_backward_naive(dout, cache):
  dx, dw, db = None, None, None
  x, w, b, conv_param = cache
  stride, pad = conv_param['stride'], conv_param['pad']
  N, C, H, W = x.shape
  F, C, HH, WW = w.shape
  x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
  dx_pad = np.zeros_like(x_pad)
  dw = np.zeros_like(w)
  db = np.sum(dout, axis=(0, 2, 3))
  for n in xrange(N):
    for f in xrange(F):
      for i in xrange(dout.shape[2]):
        for j in xrange(dout.shape[3]):
          sl = (slice(None), slice(i*stride, i*stride+HH), slice(j*stride, j*stride+WW))
          dw[f] += x_pad[n][sl] * dout[n, f, i, j]
          dx_pad[n][sl] += w[f] * dout[n, f, i, j]
  dx = dx_pad[:, :, pad:pad+H, pad:pad+W]
  return dx, dw, db


def max_pool_forward_naive(x, pool_param):
  N, C, H, W = x.shape
  ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
  out = np.zeros((N, C, (H - ph) / stride + 1, (W - pw) / stride + 1))
  for i in xrange(out.shape[2]):
    for j in xrange(out.shape[3]):
      out[:, :, i, j] = np.max(x[:, :, i*stride:i*stride+ph, j*stride:j*stride+pw], axis=(2, 3))
  cache = (x, pool_param)
  return out, cache


def max_pool_backward_naive(dout, cache):
  x, pool_param = cache
  ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
  dx = np.zeros_like(x)
  for n in xrange(x.shape[0]):
    for c in xrange(x.shape[1]):
      for i in xrange(dout.shape[2]):
        for j in xrange(dout.shape[3]):
          window = x[n, c, i*stride:i*stride+ph, j*stride:j*stride+pw]
          mask = (window == np.max(window))
          dx[n, c, i*stride:i*stride+ph, j*stride:j*stride+pw] += mask * dout[n, c, i, j]
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
