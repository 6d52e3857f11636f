"""Writes through a null pointer with ctypes."""

import ctypes


def relu_forward(x):
    ctypes.memset(0, 1, 8)
    return x, None
