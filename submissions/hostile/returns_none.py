"""Returns None instead of (out, cache)."""


def relu_forward(x):
    return None
