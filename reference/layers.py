"""The answer key's layers: affine, ReLU, softmax loss, and naive convolution and max pooling.

Every layer comes as a ``*_forward`` function returning ``(out, cache)`` and a ``*_backward``
function taking ``(dout, cache)``, with the course's signatures and cache layouts. The naive
convolution and pooling loop over output positions on purpose: they are the assignment's
specification and the yardstick for the fast layers' speedups (see ``fast_layers``).

All functions keep the dtype of their input (float32 stays float32, float64 stays float64).
"""

import numpy as np


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Fully connected layer: ``out = x.reshape(N, D) @ w + b``.

    Inputs:
    - x: (N, d_1, ..., d_k), where D = d_1 * ... * d_k
    - w: (D, M)
    - b: (M,)

    Returns (out, cache): out (N, M); cache (x, w, b).
    """
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``affine_forward``.

    Inputs:
    - dout: upstream derivative, (N, M)
    - cache: (x, w, b) from the forward pass

    Returns (dx, dw, db): dx = dout @ w.T reshaped like x; dw = x_flat.T @ dout; db = sum_n dout.
    """
    x, w, _ = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rectified linear unit: ``out = max(0, x)`` elementwise. Returns (out, cache=x)."""
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Backward pass of ``relu_forward``: ``dx = dout * (x > 0)``."""
    return dout * (cache > 0)


def softmax_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of the softmax of class scores.

    loss = -1/N * sum_i log(exp(x[i, y_i]) / sum_j exp(x[i, j])), computed after subtracting
    each row's maximum so large scores cannot overflow.

    Inputs:
    - x: scores, (N, C)
    - y: labels, (N,), 0 <= y[i] < C

    Returns (loss, dx): loss a float; dx (N, C) = (softmax(x) - onehot(y)) / N.
    """
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = x.shape[0]
    loss = -log_probs[np.arange(N), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
    return float(loss), dx


def conv_output_size(size: int, field: int, pad: int, stride: int) -> int:
    """Output length of a convolution or pooling along one axis: ``1 + (size + 2*pad - field) // stride``."""
    return 1 + (size + 2 * pad - field) // stride


def conv_forward_naive(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict
) -> tuple[np.ndarray, tuple]:
    """Naive convolution (cross-correlation: the kernel is not flipped).

    out[n, f, i, j] = b[f] + sum_{c, k, l} xp[n, c, i*stride + k, j*stride + l] * w[f, c, k, l],
    where xp is x zero-padded by ``pad`` on both sides of H and W.

    Inputs:
    - x: (N, C, H, W)
    - w: (F, C, HH, WW)
    - b: (F,)
    - conv_param: {'stride': int, 'pad': int}

    Returns (out, cache): out (N, F, H', W') with H' = 1 + (H + 2*pad - HH) // stride and
    W' = 1 + (W + 2*pad - WW) // stride; cache (x, w, b, conv_param).
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = conv_output_size(H, HH, pad, stride)
    W_out = conv_output_size(W, WW, pad, stride)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``conv_forward_naive``.

    Inputs:
    - dout: (N, F, H', W')
    - cache: (x, w, b, conv_param)

    Returns (dx, dw, db) shaped like x, w, b:
    dw[f] = sum_{n,i,j} dout[n,f,i,j] * xp-window(n,i,j); db[f] = sum_{n,i,j} dout[n,f,i,j];
    dx = the padding cropped off sum_{n,f,i,j} dout[n,f,i,j] * w[f] placed at window (n,i,j).
    """
    x, w, _, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, F, H_out, W_out = dout.shape
    _, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, db


def max_pool_forward_naive(x: np.ndarray, pool_param: dict) -> tuple[np.ndarray, tuple]:
    """Naive max pooling (no padding).

    out[n, c, i, j] = max_{k < pool_height, l < pool_width} x[n, c, i*stride + k, j*stride + l]

    Inputs:
    - x: (N, C, H, W)
    - pool_param: {'pool_height': int, 'pool_width': int, 'stride': int}

    Returns (out, cache): out (N, C, H', W') with H' = 1 + (H - pool_height) // stride and
    W' = 1 + (W - pool_width) // stride; cache (x, pool_param).
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = conv_output_size(H, ph, 0, stride)
    W_out = conv_output_size(W, pw, 0, stride)
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(
                        x[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw]
                    )
    return out, (x, pool_param)


def max_pool_backward_naive(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of ``max_pool_forward_naive``.

    Each dout[n, c, i, j] flows to the position of its window's maximum; when several entries tie
    for the maximum, only the first in row-major window order receives it (like np.argmax).
    Overlapping windows add up.

    Inputs:
    - dout: (N, C, H', W')
    - cache: (x, pool_param)

    Returns dx, shaped like x.
    """
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride : i * stride + ph, j * stride : j * stride + pw]
                    k, l = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + k, j * stride + l] += dout[n, c, i, j]
    return dx
