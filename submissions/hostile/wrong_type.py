"""Returns a set and a complex number: types that may not cross."""


def conv_forward_naive(x, w=None, b=None, conv_param=None):
    return {1, 2, 3}, 1j
