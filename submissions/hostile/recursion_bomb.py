"""Lifts the recursion limit and recurses through C (map) until the C stack overflows."""

import sys


def _down(n):
    return sum(map(_down, [n + 1]))


def relu_forward(x):
    sys.setrecursionlimit(10**8)
    return _down(0), None
