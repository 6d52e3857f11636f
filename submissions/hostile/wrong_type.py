"""Returns a set and a complex number: types that may not cross."""


def relu_forward(x):
    return {1, 2, 3}, 1j
