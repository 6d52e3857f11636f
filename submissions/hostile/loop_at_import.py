"""Hangs while being imported: the first call must time out."""

while True:
    pass


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return x, None
