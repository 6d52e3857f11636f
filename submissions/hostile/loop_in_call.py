"""Spins forever inside a call."""


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    while True:
        pass
