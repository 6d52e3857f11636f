"""Assignment 2 - pooling. Loops only over output positions; numpy does the rest."""
import numpy as np


def max_pool_forward_naive(x, pool_param):
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - ph) // stride, 1 + (W - pw) // stride

    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    N, C, H, W = x.shape
    _, _, Ho, Wo = dout.shape

    # where each output's max came from, in input coordinates
    rows = np.empty((N, C, Ho, Wo), dtype=int)
    cols = np.empty((N, C, Ho, Wo), dtype=int)
    for i in range(Ho):
        for j in range(Wo):
            win = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].reshape(N, C, -1)
            r, c = np.unravel_index(win.argmax(axis=2), (ph, pw))
            rows[:, :, i, j] = i * stride + r
            cols[:, :, i, j] = j * stride + c

    n_idx = np.arange(N)[:, None, None, None]
    c_idx = np.arange(C)[None, :, None, None]
    dx = np.zeros_like(x)
    dx[n_idx, c_idx, rows, cols] += dout  # scatter the upstream grads back
    return dx
