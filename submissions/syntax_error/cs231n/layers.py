import numpy as np


def affine_forward(x, w, b):
    """Fully connected layer, forward.

    x: (N, d_1, ..., d_k) -- each example is flattened to a row of D = d_1 * ... * d_k values
    w: (D, M); b: (M,)
    Returns out (N, M) and cache = (x, w, b).
    """
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = np.matmul(x.reshape(x.shape[0], -1), w) + b
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Fully connected layer, backward: dout (N, M) -> dx like x, dw (D, M), db (M,)."""
    x, w, b = cache
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    dx = np.matmul(dout, w.T).reshape(x.shape)
    dw = np.matmul(x.reshape(x.shape[0], -1).T, dout)
    db = dout.sum(0)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def relu_forward(x):
    """ReLU, forward: out = max(0, x), cache = x."""
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = np.clip(x, 0, None)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """ReLU, backward: gradient flows only where the input was positive."""
    dx, x = None, cache
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    dx = (x > 0) * dout
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx


def softmax_loss(x, y):
    """Softmax classifier: scores x (N, C), labels y (N,) -> mean loss and dx (N, C)."""
    loss, dx = None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    m = x.shape[0]
    logp = x - x.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    loss = -logp[np.arange(m), y].sum() / m
    dx = np.exp(logp)
    dx[np.arange(m), y] -= 1
    dx /= m
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return loss, dx


def conv_forward_naive(x, w, b, conv_param):
    """Convolution, forward, with plain loops.

    x: (N, C, H, W); w: (F, C, HH, WW); b: (F,)
    conv_param: 'stride' (step between receptive fields), 'pad' (zeros added on each side of H and W;
    pad x itself, not in place)
    Returns out (N, F, H', W'), H' = 1 + (H + 2 * pad - HH) / stride, same for W', and cache.
    """
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    s, p = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh, ow = (H + 2*p - kh)//s + 1, (W + 2*p - kw)//s + 1
    out = np.zeros((N, F, oh, ow))
    for f in range(F):
        for i in range(oh):
            for j in range(ow):
                out[:, f, i, j] = np.sum(xp[:, :, i*s:i*s+kh, j*s:j*s+kw] * w[f], axis=(1, 2, 3)) + b[f]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Convolution, backward, with plain loops: returns dx, dw, db."""
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x, w, b, conv_param = cache
    s, p = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for f in range(F):
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                g = dout[:, f, i, j][:, None, None, None]
                dw[f] += np.sum(g * xp[:, :, i*s:i*s+kh, j*s:j*s+kw], axis=0)
                dxp[:, :, i*s:i*s+kh, j*s:j*s+kw] += g * w[f]
    db = dout.sum(axis=(0, 2, 3))
    dx = dxp[:, :, p:p+H, p:p+W]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Max pooling, forward, with plain loops (no padding).

    x: (N, C, H, W); pool_param: 'pool_height', 'pool_width', 'stride'
    Returns out (N, C, H', W') and cache = (x, pool_param).
    """
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - ph)//s + 1, (W - pw)//s + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i*s:i*s+ph, j*s:j*s+pw].max(axis=(2, 3))
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Max pooling, backward: returns dx shaped like x."""
    dx = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    win = x[n, c, i*s:i*s+ph, j*s:j*s+pw]
                    k = np.argmax(win)
                    dx[n, c, i*s + k // pw, j*s + k % pw] += dout[n, c, i, j]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx
