"""Writes to stderr forever."""

import sys


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    while True:
        sys.stderr.write("eggs " * 400 + "\n")
