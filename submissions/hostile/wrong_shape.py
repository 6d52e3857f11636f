"""Returns an array of the wrong shape."""

import numpy as np


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return np.maximum(0, x).ravel()[:5], None
