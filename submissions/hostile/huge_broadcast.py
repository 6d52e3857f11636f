"""Returns a 8 TB broadcast view of one number."""

import numpy as np


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return np.broadcast_to(np.zeros(1), (10**6, 10**6)), None
