import numpy as np


def max_pool_forward_naive(x, pool_param):
  """
  A naive implementation of the forward pass for a max pooling layer.
  """
  out = None
  #############################################################################
  # TODO: Implement the max pooling forward pass                              #
  #############################################################################
  N, C, H, W = x.shape
  HP, WP, S = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
  H1 = (H - HP) / S + 1
  W1 = (W - WP) / S + 1
  out = np.zeros((N, C, int(H1), int(W1)))
  for n in range(N):
    for c in range(C):
      for k in range(int(H1)):
        for l in range(int(W1)):
          out[n, c, k, l] = np.max(x[n, c, k*S:k*S+HP, l*S:l*S+WP])
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
  HP, WP, S = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
  H1, W1 = dout.shape[2], dout.shape[3]
  dx = np.zeros(x.shape)
  for n in range(N):
    for c in range(C):
      for k in range(H1):
        for l in range(W1):
          window = x[n, c, k*S:k*S+HP, l*S:l*S+WP]
          mask = (window == np.max(window))
          # gradient flows only to the max of the window
          dx[n, c, k*S:k*S+HP, l*S:l*S+WP] = mask * dout[n, c, k, l]
  #############################################################################
  #                             END OF YOUR CODE                              #
  #############################################################################
  return dx
