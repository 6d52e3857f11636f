"""Prints 16 MiB, then answers (with relu(x)): the output must be truncated, the answer kept."""

import numpy as np


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    line = "spam " * 200 + "\n"
    for _ in range(16 * 1024 * 1024 // len(line)):
        print(line, end="")
    return np.maximum(0, x), None
