"""Writes through a null pointer with ctypes."""

import ctypes


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    ctypes.memset(0, 1, 8)
    return x, None
