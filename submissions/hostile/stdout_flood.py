"""Prints 16 MiB, then answers correctly: the output must be truncated, the answer kept."""

import numpy as np


def relu_forward(x):
    line = "spam " * 200 + "\n"
    for _ in range(16 * 1024 * 1024 // len(line)):
        print(line, end="")
    return np.maximum(0, x), None
