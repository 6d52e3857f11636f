import numpy as np


def max_pool_forward_naive(x, pool_param):
    out = None
    ###########################################################################
    # TODO: Implement the max-pooling forward pass                            #
    ###########################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

    N, C, H, W = x.shape
    pool_h = pool_param['pool_height']
    pool_w = pool_param['pool_width']
    stride = pool_param['stride']
    out_h = int(1 + (H - pool_h) / stride)
    out_w = int(1 + (W - pool_w) / stride)
    out = np.zeros((N, C, out_h, out_w))
    for h in range(out_h):
        for w in range(out_w):
            # the pooling regions tile the image
            region = x[:, :, h * pool_h:(h + 1) * pool_h, w * pool_w:(w + 1) * pool_w]
            out[:, :, h, w] = np.max(region, axis=(2, 3))

    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    dx = None
    ###########################################################################
    # TODO: Implement the max-pooling backward pass                           #
    ###########################################################################
    # *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****

    x, pool_param = cache
    pool_h = pool_param['pool_height']
    pool_w = pool_param['pool_width']
    N, C, out_h, out_w = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for h in range(out_h):
                for w in range(out_w):
                    region = x[n, c, h * pool_h:(h + 1) * pool_h, w * pool_w:(w + 1) * pool_w]
                    mask = region == np.max(region)
                    dx[n, c, h * pool_h:(h + 1) * pool_h, w * pool_w:(w + 1) * pool_w] += mask * dout[n, c, h, w]

    # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    return dx
