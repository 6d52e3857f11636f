"""Hangs while being imported: the first call must time out."""

while True:
    pass


def relu_forward(x):
    return x, None
