"""Kills its own process while being imported."""

import os

os._exit(3)


def relu_forward(x):
    return x, None
