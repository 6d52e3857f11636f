"""Kills its own process while being imported."""

import os

os._exit(3)


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return x, None
