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
    num_examples = x.shape[0]
    x_rows = np.reshape(x, (num_examples, -1))  # (N, D)
    out = np.dot(x_rows, w) + b
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Fully connected layer, backward: dout (N, M) -> dx like x, dw (D, M), db (M,)."""
    x, w, b = cache
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_rows = np.reshape(x, (x.shape[0], -1))
    dx = np.dot(dout, w.T).reshape(x.shape)
    dw = np.dot(x_rows.T, dout)
    db = np.sum(dout, axis=0)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def relu_forward(x):
    """ReLU, forward: out = max(0, x), cache = x."""
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    out = x * (x > 0)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """ReLU, backward: gradient flows only where the input was positive."""
    dx, x = None, cache
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    dx = dout.copy()
    dx[x <= 0] = 0
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx


def softmax_loss(x, y):
    """Softmax classifier: scores x (N, C), labels y (N,) -> mean loss and dx (N, C)."""
    loss, dx = None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    num_train = x.shape[0]
    # subtract the max of each row so exp() can't overflow
    z = x - np.max(x, axis=1, keepdims=True)
    exp_z = np.exp(z)
    probs = exp_z / np.sum(exp_z, axis=1, keepdims=True)
    correct_logprobs = -np.log(probs[np.arange(num_train), y])
    loss = np.sum(correct_logprobs) / num_train
    dx = probs.copy()
    dx[np.arange(num_train), y] -= 1
    dx = dx / num_train
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
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    S = conv_param['stride']
    P = conv_param['pad']
    H_new = 1 + (H + 2 * P - HH) // S
    W_new = 1 + (W + 2 * P - WW) // S
    x_pad = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)), mode='constant', constant_values=0)
    out = np.zeros((N, F, H_new, W_new))
    for n in range(N):
        for f in range(F):
            for hi in range(H_new):
                for wi in range(W_new):
                    h0 = hi * S
                    w0 = wi * S
                    patch = x_pad[n, :, h0:h0 + HH, w0:w0 + WW]
                    out[n, f, hi, wi] = np.sum(patch * w[f, :, :, :]) + b[f]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Convolution, backward, with plain loops: returns dx, dw, db."""
    dx, dw, db = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_new, W_new = dout.shape
    S = conv_param['stride']
    P = conv_param['pad']
    x_pad = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)), mode='constant', constant_values=0)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(N):
        for f in range(F):
            db[f] += np.sum(dout[n, f])
            for hi in range(H_new):
                for wi in range(W_new):
                    h0 = hi * S
                    w0 = wi * S
                    dw[f] += x_pad[n, :, h0:h0 + HH, w0:w0 + WW] * dout[n, f, hi, wi]
                    dx_pad[n, :, h0:h0 + HH, w0:w0 + WW] += w[f] * dout[n, f, hi, wi]
    # remove the padding again
    dx = dx_pad[:, :, P:P + H, P:P + W]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Max pooling, forward, with plain loops (no padding).

    x: (N, C, H, W); pool_param: 'pool_height', 'pool_width', 'stride'
    Returns out (N, C, H', W') and cache = (x, pool_param).
    """
    out = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    ph = pool_param['pool_height']
    pw = pool_param['pool_width']
    stride = pool_param['stride']
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            region = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
            out[:, :, i, j] = np.max(region, axis=(2, 3))
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Max pooling, backward: returns dx shaped like x."""
    dx = None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x, pool_param = cache
    N, C, H, W = x.shape
    ph = pool_param['pool_height']
    pw = pool_param['pool_width']
    stride = pool_param['stride']
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    region = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    # only the (first) max in the window gets the gradient
                    idx = np.argmax(region)
                    r, s = idx // pw, idx % pw
                    dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization, forward. x: (N, D); gamma, beta: (D,).

    bn_param: 'mode' ('train' or 'test'), optional 'eps', 'momentum',
    'running_mean', 'running_var'. Returns out (N, D) and a cache.
    """
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)

    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == 'train':
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        std = np.sqrt(sample_var + eps)
        x_norm = (x - sample_mean) / std
        out = gamma * x_norm + beta
        cache = (x_norm, gamma, std)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    elif mode == 'test':
        # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Batch normalization, backward, step by step through the graph."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_norm, gamma, std = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_norm, axis=0)
    dx_norm = dout * gamma
    xmu = x_norm * std
    dvar = np.sum(dx_norm * xmu, axis=0) * -0.5 / std ** 3
    dmu = -np.sum(dx_norm, axis=0) / std
    dx = dx_norm / std + dvar * 2.0 * xmu / N + dmu / N
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Batch normalization, backward, simplified on paper."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_norm, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_norm).sum(axis=0)
    dxn = dout * gamma
    dx = (N * dxn - dxn.sum(axis=0) - x_norm * (dxn * x_norm).sum(axis=0)) / (N * std)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Spatial batch normalization. x: (N, C, H, W); gamma, beta: (C,)."""
    out, cache = None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Spatial batch normalization, backward. Returns dx, dgamma (C,), dbeta (C,)."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_flat, dgamma, dbeta = batchnorm_backward_alt(dout_flat, cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Spatial group normalization. x: (N, C, H, W); gamma, beta: (1, C, 1, 1)."""
    out, cache = None, None
    eps = gn_param.get('eps', 1e-5)
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mean = xg.mean(axis=(2, 3, 4), keepdims=True)
    var = xg.var(axis=(2, 3, 4), keepdims=True)
    std = np.sqrt(var + eps)
    x_norm = ((xg - mean) / std).reshape(N, C, H, W)
    out = gamma * x_norm + beta
    cache = (x_norm, gamma, std, G)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Spatial group normalization, backward. dgamma, dbeta: (1, C, 1, 1)."""
    dx, dgamma, dbeta = None, None, None
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    x_norm, gamma, std, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_norm).sum(axis=(0, 2, 3), keepdims=True)
    dxn = (dout * gamma).reshape(N, G, C // G, H, W)
    xn = x_norm.reshape(N, G, C // G, H, W)
    M = C // G * H * W
    dx = (M * dxn - dxn.sum(axis=(2, 3, 4), keepdims=True)
          - xn * (dxn * xn).sum(axis=(2, 3, 4), keepdims=True)) / (M * std)
    dx = dx.reshape(N, C, H, W)
    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    return dx, dgamma, dbeta
