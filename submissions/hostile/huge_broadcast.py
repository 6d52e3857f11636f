"""Returns a 8 TB broadcast view of one number."""

import numpy as np


def relu_forward(x):
    return np.broadcast_to(np.zeros(1), (10**6, 10**6)), None
