from builtins import range
import numpy as np


def affine_forward(x, w, b):
    """Fully connected layer, forward.

    x: (N, d_1, ..., d_k) -- each example is flattened to a row of D = d_1 * ... * d_k values
    w: (D, M); b: (M,)
    Returns out (N, M) and cache = (x, w, b).
    """
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = x.reshape(x.shape[0], np.prod(x.shape[1:])).dot(w) + b
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Fully connected layer, backward: dout (N, M) -> dx like x, dw (D, M), db (M,)."""
    x, w, b = cache
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], np.prod(x.shape[1:])).T.dot(dout)
    db = dout.sum(axis=0)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def relu_forward(x):
    """ReLU, forward: out = max(0, x), cache = x."""
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = np.maximum(x, 0)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """ReLU, backward: gradient flows only where the input was positive."""
    dx, x = None, cache
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    dx = np.array(dout, copy=True)
    dx[x <= 0] = 0
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx


def softmax_loss(x, y):
    """Softmax classifier: scores x (N, C), labels y (N,) -> mean loss and dx (N, C)."""
    loss, dx = None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.mean(np.log(p[np.arange(n), y]))
    dx = p
    dx[np.arange(n), y] -= 1
    dx /= n
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
    stride, pad = conv_param['stride'], conv_param['pad']
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho = (H + 2 * pad - HH) // stride + 1
    Wo = (W + 2 * pad - WW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = (xp[n, :, i*stride:i*stride+HH, j*stride:j*stride+WW] * w[f]).sum() + b[f]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Convolution, backward, with plain loops: returns dx, dw, db."""
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Max pooling, forward, with plain loops (no padding).

    x: (N, C, H, W); pool_param: 'pool_height', 'pool_width', 'stride'
    Returns out (N, C, H', W') and cache = (x, pool_param).
    """
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Max pooling, backward: returns dx shaped like x."""
    dx = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx
