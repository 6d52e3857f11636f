"""Returns an array of the wrong shape."""

import numpy as np


def relu_forward(x):
    return np.maximum(0, x).ravel()[:5], None
