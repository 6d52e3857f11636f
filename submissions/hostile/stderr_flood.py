"""Writes to stderr forever."""

import sys


def relu_forward(x):
    while True:
        sys.stderr.write("eggs " * 400 + "\n")
