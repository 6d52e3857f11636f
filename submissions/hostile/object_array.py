"""Returns an object array (which only pickle could carry)."""

import numpy as np


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return np.array([object(), "x", 1], dtype=object), None
