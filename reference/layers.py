"""The answer key's layers: affine, ReLU, softmax loss, naive convolution and max pooling, and
batch, spatial batch and spatial group normalization.

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


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict
) -> tuple[np.ndarray, tuple | None]:
    """Batch normalization of each feature over the minibatch.

    train: mu = mean_n x, var = mean_n (x - mu)^2 (biased), x_hat = (x - mu) / sqrt(var + eps),
           out = gamma * x_hat + beta; then running_mean = momentum * running_mean + (1 - momentum) * mu
           and likewise running_var, both written back into bn_param.
    test:  out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta.

    Inputs:
    - x: (N, D)
    - gamma, beta: (D,)
    - bn_param: {'mode': 'train' | 'test', 'eps': 1e-5, 'momentum': 0.9,
      'running_mean': (D,), 'running_var': (D,)}; the running averages start at zero.

    Returns (out, cache): out (N, D); cache (x_hat, gamma, inv_std) in train mode, None in test mode.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        out = gamma * x_hat + beta
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
        return out, (x_hat, gamma, inv_std)
    if mode == "test":
        return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    raise ValueError(f'invalid batchnorm mode "{mode}"')


def batchnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``batchnorm_forward`` (train mode), through its computational graph.

    dgamma = sum_n dout * x_hat, dbeta = sum_n dout; dx sums the paths through x_hat directly,
    through var and through mu:
    dx_hat = dout * gamma
    dvar = sum_n dx_hat * x_hat * (-1/2) / (var + eps)
    dmu = -sum_n dx_hat / sqrt(var + eps)           (the path through var vanishes: sum_n (x - mu) = 0)
    dx = dx_hat / sqrt(var + eps) + dvar * 2 (x - mu) / N + dmu / N

    Inputs:
    - dout: (N, D)
    - cache: (x_hat, gamma, inv_std) from the forward pass

    Returns (dx, dgamma, dbeta): dx (N, D); dgamma, dbeta (D,).
    """
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    centered = x_hat / inv_std  # x - mu
    dvar = (dx_hat * centered).sum(axis=0) * -0.5 * inv_std**3
    dmu = -dx_hat.sum(axis=0) * inv_std
    dx = dx_hat * inv_std + dvar * 2 * centered / N + dmu / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``batchnorm_forward`` in the simplified closed form.

    dx = inv_std / N * (N * dx_hat - sum_n dx_hat - x_hat * sum_n (dx_hat * x_hat)),
    with dx_hat = dout * gamma and inv_std = 1 / sqrt(var + eps); dgamma and dbeta as in
    ``batchnorm_backward``.

    Returns (dx, dgamma, dbeta): dx (N, D); dgamma, dbeta (D,).
    """
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict
) -> tuple[np.ndarray, tuple | None]:
    """Batch normalization of each channel over the batch and both spatial axes.

    Moves channels last, x -> (N*H*W, C), and applies ``batchnorm_forward``: each channel c is
    normalized with the mean and biased variance of x[:, c, :, :].

    Inputs:
    - x: (N, C, H, W)
    - gamma, beta: (C,)
    - bn_param: as for ``batchnorm_forward``; running_mean and running_var are (C,).

    Returns (out, cache): out (N, C, H, W); cache that of ``batchnorm_forward``.
    """
    N, C, H, W = x.shape
    flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out, cache = batchnorm_forward(flat, gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``spatial_batchnorm_forward``.

    Inputs:
    - dout: (N, C, H, W)
    - cache: from the forward pass

    Returns (dx, dgamma, dbeta): dx (N, C, H, W); dgamma, dbeta (C,), summed over N, H and W.
    """
    N, C, H, W = dout.shape
    flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx, dgamma, dbeta = batchnorm_backward_alt(flat, cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta


def spatial_groupnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int, gn_param: dict
) -> tuple[np.ndarray, tuple]:
    """Group normalization: each sample's channels split into G consecutive groups of C // G.

    For sample n and group g, mu and var (biased) are taken over the group's C // G channels and
    all H x W positions; x_hat = (x - mu) / sqrt(var + eps); out = gamma * x_hat + beta per channel.
    Train and test behave the same (no running averages).

    Inputs:
    - x: (N, C, H, W), C divisible by G
    - gamma, beta: (1, C, 1, 1)
    - G: number of groups
    - gn_param: {'eps': 1e-5}

    Returns (out, cache): out (N, C, H, W); cache (x_hat, gamma, inv_std, G) with inv_std (N, G, 1).
    """
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    grouped = x.reshape(N, G, -1)
    mu = grouped.mean(axis=2, keepdims=True)
    var = grouped.var(axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = ((grouped - mu) * inv_std).reshape(N, C, H, W)
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, G)


def spatial_groupnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``spatial_groupnorm_forward``.

    Within each (sample, group) of M = C // G * H * W entries, with dx_hat = dout * gamma:
    dx = inv_std / M * (M * dx_hat - sum dx_hat - x_hat * sum(dx_hat * x_hat)).

    Inputs:
    - dout: (N, C, H, W)
    - cache: (x_hat, gamma, inv_std, G) from the forward pass

    Returns (dx, dgamma, dbeta): dx (N, C, H, W); dgamma, dbeta (1, C, 1, 1), summed over N, H and W.
    """
    x_hat, gamma, inv_std, G = cache
    N, C, H, W = dout.shape
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dx_hat = (dout * gamma).reshape(N, G, -1)
    x_hat_g = x_hat.reshape(N, G, -1)
    M = dx_hat.shape[2]
    dx = (
        inv_std
        / M
        * (
            M * dx_hat
            - dx_hat.sum(axis=2, keepdims=True)
            - x_hat_g * (dx_hat * x_hat_g).sum(axis=2, keepdims=True)
        )
    )
    return dx.reshape(N, C, H, W), dgamma, dbeta
