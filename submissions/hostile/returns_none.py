"""Returns None instead of (out, cache)."""


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return None
