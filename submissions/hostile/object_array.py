"""Returns an object array (which only pickle could carry)."""

import numpy as np


def relu_forward(x):
    return np.array([object(), "x", 1], dtype=object), None
