import numpy as np


def affine_forward(x, w, b):
    """Fully connected layer, forward.

    x: (N, d_1, ..., d_k) -- each example is flattened to a row of D = d_1 * ... * d_k values
    w: (D, M); b: (M,)
    Returns out (N, M) and cache = (x, w, b).
    """
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Fully connected layer, backward: dout (N, M) -> dx like x, dw (D, M), db (M,)."""
    x, w, b = cache
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def relu_forward(x):
    """ReLU, forward: out = max(0, x), cache = x."""
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """ReLU, backward: gradient flows only where the input was positive."""
    dx, x = None, cache
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx


def softmax_loss(x, y):
    """Softmax classifier: scores x (N, C), labels y (N,) -> mean loss and dx (N, C)."""
    loss, dx = None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    pass
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
    pass
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
